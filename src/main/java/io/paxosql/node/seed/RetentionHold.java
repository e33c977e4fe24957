package io.paxosql.node.seed;

/**
 * Keeps this node's Paxos log from being deleted at and above an instance while a joiner needs it (it
 * replays the log from its backup's point). The minimal hook seeding needs from log retention; the node
 * supplies the real one, or {@link #NONE} while its log keeps everything.
 */
@FunctionalInterface
public interface RetentionHold {
  /** Holds the log from {@code instance} on until the returned handle is closed. */
  AutoCloseable hold(long instance, String why);

  /** For a node whose log retention is off: nothing is ever deleted, so there is nothing to hold. */
  RetentionHold NONE = (instance, why) -> () -> { };
}
