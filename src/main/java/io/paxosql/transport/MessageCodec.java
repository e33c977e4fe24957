package io.paxosql.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.paxosql.paxos.AcceptedValue;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.Value;
import io.paxosql.transport.proto.Accept;
import io.paxosql.transport.proto.Accepted;
import io.paxosql.transport.proto.CatchUp;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Grant;
import io.paxosql.transport.proto.Nack;
import io.paxosql.transport.proto.PreVote;
import io.paxosql.transport.proto.PreVoteGrant;
import io.paxosql.transport.proto.Prepare;
import io.paxosql.transport.proto.Promise;
import io.paxosql.transport.proto.Renew;
import io.paxosql.transport.proto.SnapshotNeeded;
import io.paxosql.transport.proto.Values;
import java.util.ArrayList;
import java.util.List;

/**
 * One-to-one mapping between the core's message records and protobuf envelopes, and between core values
 * and the bytes the log stores (a serialized protobuf {@code Value}).
 */
public final class MessageCodec {
  private MessageCodec() {}

  public static Envelope encode(Message m) {
    Envelope.Builder e = Envelope.newBuilder().setClusterId(m.clusterId()).setFrom(m.from()).setTo(m.to());
    if (m instanceof Message.Prepare p) {
      e.setPrepare(Prepare.newBuilder().setBallot(ballot(p.ballot()))
          .setFromInstance(p.fromInstance()).setSeq(p.seq()));
    } else if (m instanceof Message.PreVote v) {
      e.setPreVote(PreVote.newBuilder().setBallot(ballot(v.ballot()))
          .setFromInstance(v.fromInstance()));
    } else if (m instanceof Message.PreVoteGrant g) {
      e.setPreVoteGrant(PreVoteGrant.newBuilder().setBallot(ballot(g.ballot())));
    } else if (m instanceof Message.Promise p) {
      Promise.Builder b = Promise.newBuilder()
          .setBallot(ballot(p.ballot())).setSeq(p.seq()).setFromInstance(p.fromInstance());
      if (!p.isLastPart()) {
        b.setUntilInstance(p.untilInstance());
      }
      for (AcceptedValue a : p.accepted()) {
        b.addAccepted(io.paxosql.transport.proto.AcceptedValue.newBuilder().setInstance(a.instance())
            .setBallot(ballot(a.ballot())).setValue(value(a.value())));
      }
      p.chosen().forEach(c -> b.addChosen(chosen(c)));
      if (p.isLastPart()) {
        e.setPromise(b);
      } else {
        e.setPromisePart(b);
      }
    } else if (m instanceof Message.Nack n) {
      e.setNack(Nack.newBuilder().setBallot(ballot(n.ballot()))
          .setPromised(ballot(n.promised())).setReasonValue(n.reason().ordinal()).setChosenBelow(n.chosenBelow()));
    } else if (m instanceof Message.Accept a) {
      e.setAccept(Accept.newBuilder().setBallot(ballot(a.ballot()))
          .setInstance(a.instance()).setValue(value(a.value())).setChosenBelow(a.chosenBelow()));
    } else if (m instanceof Message.Accepted a) {
      e.setAccepted(Accepted.newBuilder().setBallot(ballot(a.ballot()))
          .setInstance(a.instance()));
    } else if (m instanceof Message.Commit c) {
      e.setCommit(Commit.newBuilder().setBallot(ballot(c.ballot()))
          .setChosenBelow(c.chosenBelow()));
    } else if (m instanceof Message.Renew r) {
      e.setRenew(Renew.newBuilder().setBallot(ballot(r.ballot())).setSeq(r.seq())
          .setChosenBelow(r.chosenBelow()));
    } else if (m instanceof Message.Grant g) {
      e.setGrant(Grant.newBuilder().setBallot(ballot(g.ballot())).setSeq(g.seq()));
    } else if (m instanceof Message.CatchUp c) {
      e.setCatchUp(CatchUp.newBuilder().setFromInstance(c.fromInstance()).setMax(c.max()));
    } else if (m instanceof Message.Values v) {
      Values.Builder b = Values.newBuilder()
          .setChosenBelow(v.chosenBelow()).setMore(!v.last());
      v.values().forEach(c -> b.addValues(chosen(c)));
      e.setValues(b);
    } else if (m instanceof Message.SnapshotNeeded s) {
      e.setSnapshotNeeded(SnapshotNeeded.newBuilder().setFirstRetained(s.firstRetained())
          .setChosenBelow(s.chosenBelow()));
    } else {
      throw new IllegalArgumentException("no protobuf mapping for " + m);
    }
    return e.build();
  }

  /**
   * @throws IllegalArgumentException if the envelope carries no core message (e.g. a Progress report, or a
   *     message type this build does not know)
   */
  public static Message decode(Envelope e) {
    long c = e.getClusterId();
    int f = e.getFrom();
    int t = e.getTo();
    switch (e.getBodyCase()) {
      case PREPARE -> {
        var p = e.getPrepare();
        return new Message.Prepare(c, f, t, ballot(p.getBallot()), p.getFromInstance(), p.getSeq());
      }
      case PRE_VOTE -> {
        var v = e.getPreVote();
        return new Message.PreVote(c, f, t, ballot(v.getBallot()), v.getFromInstance());
      }
      case PRE_VOTE_GRANT -> {
        return new Message.PreVoteGrant(c, f, t, ballot(e.getPreVoteGrant().getBallot()));
      }
      case PROMISE -> {
        return promise(c, f, t, e.getPromise(), Message.Promise.REST);
      }
      case PROMISE_PART -> {
        var p = e.getPromisePart();
        if (p.getUntilInstance() == 0) {
          throw new IllegalArgumentException("promise part from node " + f + " names no end of its range");
        }
        return promise(c, f, t, p, p.getUntilInstance());
      }
      case NACK -> {
        var n = e.getNack();
        Message.NackReason[] reasons = Message.NackReason.values();
        int r = n.getReasonValue();
        if (r < 0 || r >= reasons.length) {
          throw new IllegalArgumentException("nack from node " + f + " has unknown reason " + r);
        }
        return new Message.Nack(c, f, t, ballot(n.getBallot()), ballot(n.getPromised()), reasons[r], n.getChosenBelow());
      }
      case ACCEPT -> {
        var a = e.getAccept();
        return new Message.Accept(c, f, t, ballot(a.getBallot()), a.getInstance(), value(a.getValue()),
            a.getChosenBelow());
      }
      case ACCEPTED -> {
        var a = e.getAccepted();
        return new Message.Accepted(c, f, t, ballot(a.getBallot()), a.getInstance());
      }
      case COMMIT -> {
        var m = e.getCommit();
        return new Message.Commit(c, f, t, ballot(m.getBallot()), m.getChosenBelow());
      }
      case RENEW -> {
        var r = e.getRenew();
        return new Message.Renew(c, f, t, ballot(r.getBallot()), r.getSeq(), r.getChosenBelow());
      }
      case GRANT -> {
        var g = e.getGrant();
        return new Message.Grant(c, f, t, ballot(g.getBallot()), g.getSeq());
      }
      case CATCH_UP -> {
        var u = e.getCatchUp();
        return new Message.CatchUp(c, f, t, u.getFromInstance(), u.getMax());
      }
      case VALUES -> {
        var v = e.getValues();
        return new Message.Values(c, f, t, chosen(v.getValuesList()), v.getChosenBelow(), !v.getMore());
      }
      case SNAPSHOT_NEEDED -> {
        var s = e.getSnapshotNeeded();
        return new Message.SnapshotNeeded(c, f, t, s.getFirstRetained(), s.getChosenBelow());
      }
      default -> throw new IllegalArgumentException("envelope from node " + f + " carries no consensus message ("
          + e.getBodyCase() + ")");
    }
  }

  private static Message.Promise promise(long c, int f, int t, Promise p, long until) {
    List<AcceptedValue> acc = new ArrayList<>(p.getAcceptedCount());
    for (var a : p.getAcceptedList()) {
      acc.add(new AcceptedValue(a.getInstance(), ballot(a.getBallot()), value(a.getValue())));
    }
    return new Message.Promise(c, f, t, ballot(p.getBallot()), p.getSeq(), p.getFromInstance(), until, acc,
        chosen(p.getChosenList()));
  }

  public static io.paxosql.transport.proto.Ballot ballot(Ballot b) {
    return io.paxosql.transport.proto.Ballot.newBuilder().setRound(b.round()).setNode(b.node()).build();
  }

  public static Ballot ballot(io.paxosql.transport.proto.Ballot b) {
    return new Ballot(b.getRound(), b.getNode());
  }

  public static io.paxosql.transport.proto.Value value(Value v) {
    io.paxosql.transport.proto.Value.Builder b = io.paxosql.transport.proto.Value.newBuilder().setEpoch(ballot(v.epoch()));
    for (Entry en : v.entries()) {
      io.paxosql.transport.proto.Entry.Builder pe = io.paxosql.transport.proto.Entry.newBuilder()
          .setProposalId(en.proposalId());
      if (en instanceof Entry.Data d) {
        // Values are immutable once proposed: wrapping shares the bytes, so sending an accept to each peer, and
        // again on every retransmission, no longer copies megabytes (a 4 MiB value was copied per peer per send).
        pe.setData(UnsafeByteOperations.unsafeWrap(d.bytes()));
      } else if (en instanceof Entry.AddMember a) {
        pe.setAddMember(a.node());
      } else if (en instanceof Entry.RemoveMember r) {
        pe.setRemoveMember(r.node());
      }
      b.addEntries(pe);
    }
    return b.build();
  }

  public static Value value(io.paxosql.transport.proto.Value v) {
    List<Entry> entries = new ArrayList<>(v.getEntriesCount());
    for (io.paxosql.transport.proto.Entry pe : v.getEntriesList()) {
      entries.add(switch (pe.getKindCase()) {
        case DATA -> new Entry.Data(pe.getProposalId(), pe.getData().toByteArray());
        case ADD_MEMBER -> new Entry.AddMember(pe.getProposalId(), pe.getAddMember());
        case REMOVE_MEMBER -> new Entry.RemoveMember(pe.getProposalId(), pe.getRemoveMember());
        default -> throw new IllegalArgumentException("value entry " + pe.getProposalId() + " has no kind");
      });
    }
    return new Value(ballot(v.getEpoch()), entries);
  }

  /** The bytes the log stores for a value. */
  public static byte[] valueBytes(Value v) {
    return value(v).toByteArray();
  }

  public static Value valueFromBytes(byte[] bytes) {
    try {
      return value(io.paxosql.transport.proto.Value.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("stored value of " + bytes.length + " bytes is not a Value message: "
          + e.getMessage(), e);
    }
  }

  private static io.paxosql.transport.proto.ChosenValue chosen(ChosenValue c) {
    return io.paxosql.transport.proto.ChosenValue.newBuilder().setInstance(c.instance()).setValue(value(c.value()))
        .build();
  }

  private static List<ChosenValue> chosen(List<io.paxosql.transport.proto.ChosenValue> list) {
    List<ChosenValue> out = new ArrayList<>(list.size());
    for (var c : list) {
      out.add(new ChosenValue(c.getInstance(), value(c.getValue())));
    }
    return out;
  }
}
