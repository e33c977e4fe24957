package io.paxosql.node.seed;

import io.paxosql.node.replog.RetentionHolds;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The retention holds a donor keeps for the joiners it sent a backup to, and how each one ended. A hold is
 * released when its joiner says it caught up past the hold ({@link #caughtUp}); a timer releases it
 * after a generous fallback ({@link #timedOut}) so a joiner that died does not pin the donor's log forever.
 * The joiner's reported progress is not used: a node being rebuilt keeps reporting its old applied point until
 * its log restarts, which says nothing about the backup it is catching up from. Thread-safe.
 */
public final class DonorHolds {
  /** How a hold ended. */
  public enum Ending {
    /** The joiner said it caught up past the hold. */
    CAUGHT_UP("caught-up"),
    /** The joiner did not say so within the fallback timeout. */
    TIMED_OUT("timeout"),
    /** The backup failed before its trailer was sent; the joiner will not use it. */
    FAILED("failed");

    private final String tag;

    Ending(String tag) {
      this.tag = tag;
    }

    /** The metric tag and log word. */
    public String tag() {
      return tag;
    }
  }

  /** A hold waiting for its joiner: taken for {@code joiner}, keeping the log from {@code instance} on. */
  public record Pending(long id, int joiner, long instance, long sentAtNanos) {}

  /** A waiting hold and the retention hold it keeps, by id, oldest first. */
  private record Kept(Pending pending, RetentionHolds.Hold hold) {}

  private final Map<Long, Kept> kept = new LinkedHashMap<>();
  private final Map<Ending, Long> ended = new EnumMap<>(Ending.class);
  private long ids;

  /** Keeps {@code hold} (taken for {@code joiner} at {@code instance}) until the joiner caught up or it times out. */
  public synchronized Pending await(int joiner, long instance, RetentionHolds.Hold hold, long nowNanos) {
    Pending p = new Pending(++ids, joiner, instance, nowNanos);
    kept.put(p.id(), new Kept(p, hold));
    return p;
  }

  /**
   * {@code joiner} says it applied the log below {@code appliedBelow}: releases its holds at or below that
   * point (all of them, if it was seeded more than once) and returns them. A hold above it stays: that joiner
   * has not reached the backup it was given (an older seed's notice arriving late).
   */
  public synchronized List<Pending> caughtUp(int joiner, long appliedBelow) {
    List<Pending> released = new ArrayList<>();
    for (Iterator<Kept> it = kept.values().iterator(); it.hasNext(); ) {
      Kept k = it.next();
      if (k.pending().joiner() == joiner && k.pending().instance() <= appliedBelow) {
        it.remove();
        k.hold().close();
        released.add(k.pending());
        count(Ending.CAUGHT_UP);
      }
    }
    return released;
  }

  /** The fallback timer of hold {@code id} fired: releases it if it still waits. */
  public synchronized boolean timedOut(long id) {
    Kept k = kept.remove(id);
    if (k == null) {
      return false;
    }
    k.hold().close();
    count(Ending.TIMED_OUT);
    return true;
  }

  /** A hold released because its backup failed (never awaited). */
  public synchronized void failed(RetentionHolds.Hold hold) {
    hold.close();
    count(Ending.FAILED);
  }

  /** Holds waiting for their joiner now, oldest first. */
  public synchronized List<Pending> waiting() {
    return kept.values().stream().map(Kept::pending).toList();
  }

  /** Holds that ended {@code how} since the node started. */
  public synchronized long ended(Ending how) {
    return ended.getOrDefault(how, 0L);
  }

  /** For status: the holds waiting (joiner, instance, seconds since the stream) and how many ended each way. */
  public synchronized JsonObject toJson(long nowNanos) {
    JsonArray waiting = new JsonArray();
    for (Kept k : kept.values()) {
      Pending p = k.pending();
      waiting.add(new JsonObject().put("joiner", p.joiner()).put("fromInstance", p.instance())
          .put("seconds", (nowNanos - p.sentAtNanos()) / 1_000_000_000));
    }
    JsonObject endings = new JsonObject();
    for (Ending how : Ending.values()) {
      endings.put(how.tag(), ended.getOrDefault(how, 0L));
    }
    return new JsonObject().put("waiting", waiting).put("ended", endings);
  }

  private void count(Ending how) {
    ended.merge(how, 1L, Long::sum);
  }
}
