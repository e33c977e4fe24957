package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paxosql.paxos.AcceptedValue;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.Value;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  static final long C = 0x1234_5678_9abcL;
  static final Ballot B = new Ballot((1L << 40) + 3, 2);
  static final Value V = new Value(B, List.of(new Entry.Data(1L << 33, new byte[] {1, 2, 3}),
      new Entry.Data(-5, new byte[0]), new Entry.AddMember(9, 4), new Entry.RemoveMember(10, 1)));

  @Test
  void everyMessageRoundTripsThroughBytes() throws Exception {
    List<Message> all = List.of(
        new Message.Prepare(C, 1, 2, B, (1L << 32) + 1, 77),
        new Message.Promise(C, 2, 1, B, 77, 5, List.of(new AcceptedValue(6, Ballot.ZERO, V)),
            List.of(new ChosenValue(5, Value.noop(B)))),
        new Message.Nack(C, 2, 1, B, new Ballot(9, 3), Message.NackReason.LEASE_HELD, 1L << 31),
        new Message.Nack(C, 2, 1, Ballot.ZERO, B, Message.NackReason.CANDIDATE_BEHIND, 0),
        new Message.Accept(C, 1, 3, B, 42, V, 41),
        new Message.Accepted(C, 3, 1, B, 42),
        new Message.Commit(C, 1, 3, B, 43),
        new Message.Renew(C, 1, 2, B, 78, 43),
        new Message.Grant(C, 2, 1, B, 78),
        new Message.PreVote(C, 3, 1, B, 1L << 40),
        new Message.PreVoteGrant(C, 1, 3, B),
        new Message.CatchUp(C, 3, 1, 0, 256),
        new Message.Values(C, 1, 3, List.of(new ChosenValue(0, V), new ChosenValue(1, Value.noop(B))), 44),
        new Message.Values(C, 1, 3, List.of(new ChosenValue(0, V)), 44, false),
        new Message.SnapshotNeeded(C, 1, 3, 1000, 2000));
    assertEquals(Message.class.getPermittedSubclasses().length, all.stream().map(Object::getClass).distinct().count(),
        "every message type is covered");
    for (Message m : all) {
      Envelope wire = Envelope.parseFrom(MessageCodec.encode(m).toByteArray());
      assertEquals(m, MessageCodec.decode(wire));
    }
  }

  @Test
  void aPromisePartRoundTripsAndOnlyTheLastTravelsAsAPromise() throws Exception {
    Message.Promise first = new Message.Promise(C, 2, 1, B, 77, 5, 9, List.of(new AcceptedValue(6, Ballot.ZERO, V)),
        List.of(new ChosenValue(5, Value.noop(B))));
    Message.Promise last = new Message.Promise(C, 2, 1, B, 77, 9, Message.Promise.REST, List.of(), List.of());
    Envelope a = Envelope.parseFrom(MessageCodec.encode(first).toByteArray());
    Envelope b = Envelope.parseFrom(MessageCodec.encode(last).toByteArray());
    // A node that predates parts reads no Promise in a first part, so it cannot take it for the whole.
    assertEquals(Envelope.BodyCase.PROMISE_PART, a.getBodyCase());
    assertEquals(Envelope.BodyCase.PROMISE, b.getBodyCase());
    assertEquals(first, MessageCodec.decode(a));
    assertEquals(last, MessageCodec.decode(b));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(a.toBuilder()
        .setPromisePart(a.getPromisePart().toBuilder().setUntilInstance(0)).build()));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(a.toBuilder()
        .setPromisePart(a.getPromisePart().toBuilder().setUntilInstance(5)).build()), "an empty range");
  }

  @Test
  void storedValueBytesRoundTrip() {
    assertEquals(V, MessageCodec.valueFromBytes(MessageCodec.valueBytes(V)));
    assertEquals(Value.noop(Ballot.ZERO), MessageCodec.valueFromBytes(MessageCodec.valueBytes(Value.noop(Ballot.ZERO))));
  }

  @Test
  void garbageIsRejectedWithWhatWasWrong() {
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.valueFromBytes(new byte[] {(byte) 0xff, 1, 2}));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Envelope.newBuilder().setFrom(3)
        .setProgress(Progress.newBuilder().setApplied(1)).build()));
  }
}
