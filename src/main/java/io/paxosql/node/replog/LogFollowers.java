package io.paxosql.node.replog;

import io.paxosql.log.PaxosLog;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.ChosenValue;
import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The followers of one log ({@link ReplicatedLog#follow}): each replays from the disk, then gets every value
 * as the driver hands it out. Added, removed and fed on the node's context; {@link #allLive()} and
 * {@link #valuesReplayedFromDisk()} are read on any thread.
 */
final class LogFollowers {
  private final List<LogFollower> followers = new CopyOnWriteArrayList<>();
  private final LongAdder replayedValues = new LongAdder();
  private final Context context;

  LogFollowers(Context context) {
    this.context = context;
  }

  /** A new follower from {@code from}; closing the handle stops it. */
  AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener, PaxosLog log, CoreDriver driver) {
    LogFollower f = new LogFollower(from, listener, log, context, driver, replayedValues);
    context.runOnContext(v -> {
      followers.add(f);
      f.pump();
    });
    return () -> context.runOnContext(v -> {
      f.close();
      followers.remove(f);
    });
  }

  /** Values known chosen before their Chosen records are durable go to every follower at once. */
  void deliverEarly(List<ChosenValue> chosen) {
    for (LogFollower f : followers) {
      for (ChosenValue c : chosen) {
        f.deliverEarly(c.instance(), c.value());
      }
    }
  }

  /** Values now durable go to the followers past their replay; the others read them from the disk. */
  void deliverDurable(List<ChosenValue> chosen) {
    for (LogFollower f : followers) {
      if (f.live()) {
        for (ChosenValue c : chosen) {
          f.deliver(c.instance(), c.value());
        }
      }
    }
  }

  /** Whether every follower has replayed up to the live point. */
  boolean allLive() {
    return followers.stream().allMatch(LogFollower::live);
  }

  /** Chosen values the followers read back from the disk since the log opened. */
  long valuesReplayedFromDisk() {
    return replayedValues.sum();
  }
}
