package io.paxosql.log;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The acceptor state that the records written so far add up to. Recovery replays entries through it;
 * the writer keeps it current so it can write a checkpoint at the head of each new roll file.
 */
final class DurableState {
  private LogRecord.Promised promised = new LogRecord.Promised(0, -1);
  private final TreeMap<Long, LogRecord.Accepted> accepted = new TreeMap<>();
  private final TreeMap<Long, LogRecord.Members> members = new TreeMap<>();
  private long firstRetained = -1;
  private long chosenBelow = -1;

  /** Applies one record; {@code where} names its place for errors. Returns false for a duplicate chosen. */
  boolean apply(Object record, String where) {
    if (record instanceof LogRecord.Promised p) {
      promised = p;
    } else if (record instanceof LogRecord.Accepted a) {
      if (chosenBelow < 0 || a.instance() >= chosenBelow) {
        accepted.put(a.instance(), a);
      }
    } else if (record instanceof LogRecord.Members m) {
      members.put(m.effectiveFrom(), m);
    } else if (record instanceof LogRecord.Chosen c) {
      if (chosenBelow < 0) {
        firstRetained = c.instance();
      } else if (c.instance() < chosenBelow) {
        return false;
      } else if (c.instance() > chosenBelow) {
        throw new LogCorruptedException("chosen values jump from " + (chosenBelow - 1) + " to " + c.instance()
            + " at " + where + ": a roll file in the middle of the log is missing. Restore that file from"
            + " this node's own backup if there is one. " + LogCorruptedException.ADVICE);
      }
      chosenBelow = c.instance() + 1;
      accepted.headMap(c.instance(), true).clear();
    } else if (record instanceof RecordCodec.Checkpoint cp) {
      if (chosenBelow < 0) {
        firstRetained = cp.chosenBelow();
        chosenBelow = cp.chosenBelow();
      } else if (cp.chosenBelow() != chosenBelow) {
        throw new LogCorruptedException("checkpoint at " + where + " says values below " + cp.chosenBelow()
            + " are chosen but the entries before it end at " + chosenBelow + ". " + LogCorruptedException.ADVICE);
      }
      promised = cp.promised();
      cp.accepted().forEach(a -> accepted.put(a.instance(), a));
      cp.members().forEach(m -> members.put(m.effectiveFrom(), m));
    } else if (!(record instanceof RecordCodec.Filler)) {
      throw new IllegalArgumentException("not a log record: " + record);
    }
    return true;
  }

  /** Called once the scan is over: an empty log starts at the configured first instance. */
  void startAtIfEmpty(long firstInstance) {
    if (chosenBelow < 0) {
      firstRetained = firstInstance;
      chosenBelow = firstInstance;
    }
  }

  RecordCodec.Checkpoint checkpoint() {
    return new RecordCodec.Checkpoint(chosenBelow, promised, new ArrayList<>(accepted.values()),
        new ArrayList<>(members.values()));
  }

  Recovered snapshot() {
    return new Recovered(promised, List.copyOf(accepted.values()), List.copyOf(members.values()), firstRetained,
        chosenBelow);
  }

  long chosenBelow() {
    return chosenBelow;
  }

  long firstRetained() {
    return firstRetained;
  }

  void firstRetained(long first) {
    firstRetained = first;
  }
}
