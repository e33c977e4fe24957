package io.paxosql.node.replog;

import io.paxosql.log.LogRecord;
import io.paxosql.log.Recovered;
import io.paxosql.paxos.AcceptedValue;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.PersistentState;
import io.paxosql.transport.MessageCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The core's durable records to and from the log's records; values travel as protobuf bytes. */
final class RecordMapping {
  private RecordMapping() {}

  static List<LogRecord> toLog(List<Durable> records) {
    List<LogRecord> out = new ArrayList<>(records.size());
    for (Durable d : records) {
      if (d instanceof Durable.Promised p) {
        out.add(new LogRecord.Promised(p.ballot().round(), p.ballot().node()));
      } else if (d instanceof Durable.Accepted a) {
        out.add(new LogRecord.Accepted(a.instance(), a.ballot().round(), a.ballot().node(),
            MessageCodec.valueBytes(a.value())));
      } else if (d instanceof Durable.Chosen c) {
        out.add(new LogRecord.Chosen(c.instance(), MessageCodec.valueBytes(c.value())));
      } else if (d instanceof Durable.Members m) {
        out.add(new LogRecord.Members(m.effectiveFrom(), m.members().stream().mapToInt(Integer::intValue).toArray()));
      } else {
        throw new IllegalArgumentException("no log record for " + d);
      }
    }
    return out;
  }

  /** The core's restart state: the log's acceptor state plus the newest {@code chosen} values. */
  static PersistentState toCore(Recovered r, long firstKept, List<LogRecord.Chosen> chosen) {
    List<AcceptedValue> acc = new ArrayList<>();
    for (LogRecord.Accepted a : r.accepted()) {
      acc.add(new AcceptedValue(a.instance(), new Ballot(a.round(), a.node()), MessageCodec.valueFromBytes(a.value())));
    }
    List<ChosenValue> ch = new ArrayList<>(chosen.size());
    for (LogRecord.Chosen c : chosen) {
      ch.add(new ChosenValue(c.instance(), MessageCodec.valueFromBytes(c.value())));
    }
    List<Durable.Members> mem = new ArrayList<>();
    for (LogRecord.Members m : r.members()) {
      TreeSet<Integer> ids = new TreeSet<>();
      for (int id : m.members()) {
        ids.add(id);
      }
      mem.add(new Durable.Members(m.effectiveFrom(), ids));
    }
    Ballot promised = r.promised().round() == 0 && r.promised().node() == -1 ? Ballot.ZERO
        : new Ballot(r.promised().round(), r.promised().node());
    return new PersistentState(promised, acc, firstKept, ch, mem);
  }
}
