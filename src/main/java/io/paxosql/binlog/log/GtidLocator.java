package io.paxosql.binlog.log;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.GtidPositionException.Reason;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds where a replica at a given GTID state resumes, MariaDB-style: per domain, just after the
 * replica's GTID; the replica resumes at the smallest of those and skips what its state covers.
 */
public final class GtidLocator {
  private GtidLocator() {}

  /**
   * {@link TransactionLog#locate} for a log holding {@code entries}: the sequence, or a failed future
   * with the {@link GtidPositionException} saying why the replica cannot resume.
   */
  public static Future<Long> locateFuture(RetainedRange range, Iterable<? extends GtidAt> entries,
      GtidState replica) {
    try {
      return Future.succeededFuture(locate(range, entries, replica));
    } catch (GtidPositionException e) {
      return Future.failedFuture(e);
    }
  }

  /** {@code entries} must be the retained entries of {@code range}, in order. */
  public static long locate(RetainedRange range, Iterable<? extends GtidAt> entries, GtidState replica) {
    Map<Long, Long> startByDomain = new HashMap<>();
    Map<Gtid, Long> wanted = new HashMap<>();
    for (Gtid g : replica.gtids()) {
      wanted.put(g, null);
    }
    Map<Long, Long> firstOfDomain = new HashMap<>();
    for (GtidAt e : entries) {
      Gtid g = e.gtid();
      firstOfDomain.putIfAbsent(g.domainId(), e.sequence());
      if (wanted.containsKey(g)) {
        wanted.put(g, e.sequence() + 1);
      }
    }
    for (Gtid g : replica.gtids()) {
      long d = g.domainId();
      Gtid last = range.after().get(d);
      Gtid purged = range.before().get(d);
      if (last == null) {
        throw new GtidPositionException(Reason.UNKNOWN_DOMAIN, "the replica asks to start after GTID " + g
            + " in domain " + d + ", but the log has no transaction in domain " + d + " (log position: '"
            + range.after() + "'); correct the replica's gtid_slave_pos");
      }
      Long at = wanted.get(g);
      if (at != null) {
        startByDomain.put(d, at);
      } else if (g.equals(purged)) {
        startByDomain.put(d, range.first());
      } else if (purged != null && Long.compareUnsigned(g.seqNo(), purged.seqNo()) <= 0) {
        throw new GtidPositionException(Reason.NOT_RETAINED, "the replica asks to start after GTID " + g
            + ", which is no longer retained: the log now starts after '" + range.before()
            + "'; re-seed the replica from a backup");
      } else {
        throw new GtidPositionException(Reason.DIVERGED, "the replica holds GTID " + g
            + ", which the log never had (the log has domain " + d + " up to " + last
            + "); the replica has diverged: re-seed it from a backup");
      }
    }
    for (Gtid last : range.after().gtids()) {
      long d = last.domainId();
      if (replica.get(d) == null) {
        if (range.before().get(d) != null) {
          throw new GtidPositionException(Reason.NOT_RETAINED, "the replica has no position in domain " + d
              + " and needs it from the start, but the log purged it up to " + range.before().get(d)
              + "; re-seed the replica from a backup or set its gtid_slave_pos");
        }
        startByDomain.put(d, firstOfDomain.getOrDefault(d, range.first()));
      }
    }
    long start = startByDomain.values().stream().mapToLong(Long::longValue).min().orElse(range.last() + 1);
    for (GtidAt e : entries) {
      if (e.sequence() >= start && !replica.covers(e.gtid())) {
        return e.sequence();
      }
    }
    return range.last() + 1;
  }
}
