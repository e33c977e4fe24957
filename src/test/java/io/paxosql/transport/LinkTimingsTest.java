package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.paxosql.transport.proto.Accept;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.Entry;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Renew;
import io.paxosql.transport.proto.Value;
import org.junit.jupiter.api.Test;

/** Which big accepts a link counts as still on their way out, so that a second copy is dropped. */
class LinkTimingsTest {
  private static Envelope accept(long instance, long round, int bytes) {
    Ballot b = Ballot.newBuilder().setRound(round).setNode(1).build();
    Value v = Value.newBuilder().setEpoch(b)
        .addEntries(Entry.newBuilder().setProposalId(7).setData(ByteString.copyFrom(new byte[bytes]))).build();
    return Envelope.newBuilder().setFrom(1).setTo(2)
        .setAccept(Accept.newBuilder().setBallot(b).setInstance(instance).setValue(v)).build();
  }

  @Test
  void aBigAcceptIsOnItsWayFromQueuedUntilWritten() {
    LinkTimings t = new LinkTimings();
    Envelope e = accept(5, 1, 1 << 20);
    int size = e.getSerializedSize();
    assertFalse(t.onItsWay(e, size));
    t.queued(e, size, 0);
    assertTrue(t.onItsWay(e, size), "a copy queued and not written is on its way");
    assertTrue(t.onItsWay(accept(5, 1, 1 << 20), size), "so is any copy of the same instance and ballot");
    assertFalse(t.onItsWay(accept(5, 2, 1 << 20), size), "a higher ballot's accept is another message");
    assertFalse(t.onItsWay(accept(6, 1, 1 << 20), size), "so is another instance's");
    t.written(e, size, 1_000_000);
    assertFalse(t.onItsWay(e, size), "once written, a retransmission goes out again");
  }

  @Test
  void aBrokenStreamForgetsWhatWasBeingWrittenButNotWhatIsStillBuffered() {
    LinkTimings t = new LinkTimings();
    Envelope writing = accept(5, 1, 1 << 20);
    Envelope buffered = accept(6, 1, 1 << 20);
    int size = writing.getSerializedSize();
    t.queued(writing, size, 0);
    t.queued(buffered, size, size);
    t.cleared();
    t.stillBuffered(buffered, size);
    assertFalse(t.onItsWay(writing, size), "lost with the stream: must be sent again");
    assertTrue(t.onItsWay(buffered, size), "still buffered: goes out on the next stream");
  }

  @Test
  void smallMessagesAndDroppedCopiesAreNeverOnTheirWay() {
    LinkTimings t = new LinkTimings();
    Envelope small = accept(5, 1, 100);
    t.queued(small, small.getSerializedSize(), 0);
    assertFalse(t.onItsWay(small, small.getSerializedSize()), "small accepts are cheap to send twice");
    Envelope renew = Envelope.newBuilder().setRenew(Renew.newBuilder().setSeq(3)).build();
    t.queued(renew, renew.getSerializedSize(), 0);
    assertFalse(t.onItsWay(renew, renew.getSerializedSize()));
    Envelope big = accept(9, 1, 1 << 20);
    t.queued(big, big.getSerializedSize(), 0);
    t.discarded(big, big.getSerializedSize());
    assertFalse(t.onItsWay(big, big.getSerializedSize()), "a copy the channel dropped is not on its way");
    assertNull(t.takeReport(Long.MAX_VALUE));
  }
}
