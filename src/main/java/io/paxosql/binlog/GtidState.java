package io.paxosql.binlog;

import io.paxosql.binlog.event.Gtid;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A replication position in MariaDB's GTID terms: the last GTID per domain, as in
 * {@code @@gtid_slave_pos} or {@code @slave_connect_state} ({@code 0-1-6,1-2-3}).
 */
public final class GtidState {
  public static final GtidState EMPTY = new GtidState(new TreeMap<>());
  private final SortedMap<Long, Gtid> byDomain;

  /** Takes {@code owned}, a fresh map nobody else holds (no copy: the chain derives a state per transaction). */
  private GtidState(TreeMap<Long, Gtid> owned) {
    this.byDomain = Collections.unmodifiableSortedMap(owned);
  }

  /** Parses a comma-separated GTID list; the empty string is the empty state. */
  public static GtidState parse(String text) {
    TreeMap<Long, Gtid> m = new TreeMap<>();
    for (String part : text.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      Gtid g = Gtid.parse(part);
      if (m.put(g.domainId(), g) != null) {
        throw new IllegalArgumentException("GTID position '" + text + "' names domain " + g.domainId()
            + " twice; give one GTID per domain");
      }
    }
    return new GtidState(m);
  }

  public static GtidState of(Collection<Gtid> gtids) {
    TreeMap<Long, Gtid> m = new TreeMap<>();
    gtids.forEach(g -> m.put(g.domainId(), g));
    return new GtidState(m);
  }

  public GtidState with(Gtid g) {
    TreeMap<Long, Gtid> m = new TreeMap<>(byDomain);
    m.put(g.domainId(), g);
    return new GtidState(m);
  }

  public Gtid get(long domain) {
    return byDomain.get(domain);
  }

  public Collection<Gtid> gtids() {
    return byDomain.values();
  }

  public boolean isEmpty() {
    return byDomain.isEmpty();
  }

  /** True when {@code g} is at or before this state's position in g's domain. */
  public boolean covers(Gtid g) {
    Gtid mine = byDomain.get(g.domainId());
    return mine != null && Long.compareUnsigned(g.seqNo(), mine.seqNo()) <= 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GtidState s && s.byDomain.equals(byDomain);
  }

  @Override
  public int hashCode() {
    return byDomain.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Gtid g : byDomain.values()) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(g);
    }
    return b.toString();
  }
}
