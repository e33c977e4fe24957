package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The tracker without a node: driven by hand the way CoreDriver drives it from its Ready loop. */
class ProposalTrackerTest {
  private static final Ballot EPOCH = new Ballot(3, 1);

  /** What each proposal was answered with: a position or a failure text. */
  private final Map<Long, Object> answers = new TreeMap<>();

  private long track(ProposalTracker t) {
    long id = t.nextId();
    t.track(id, new ProposalTracker.Waiter() {
      @Override
      public void chosen(LogPosition at) {
        answers.put(id, at);
      }

      @Override
      public void failed(String why) {
        answers.put(id, why);
      }
    });
    return id;
  }

  private static ChosenValue chosen(long instance, long... ids) {
    List<Entry> es = new ArrayList<>();
    for (long id : ids) {
      es.add(new Entry.Data(id, new byte[] {1}));
    }
    return new ChosenValue(instance, new Value(EPOCH, es));
  }

  @Test
  void idsCarryTheBaseInTheHighBitsAndCountInTheLow() {
    ProposalTracker t = new ProposalTracker(0xABCD_0000_1234L << 16, 0);
    long a = t.nextId();
    long b = t.nextId();
    assertEquals(0xABCD_0000_0000_0000L, a & ~0xFFFF_FFFFL, "the base's low 32 bits are masked off");
    assertEquals(a + 1, b);
  }

  @Test
  void aProposalCompletesAtItsPositionOnlyOnceItsChosenRecordIsDurable() {
    ProposalTracker t = new ProposalTracker(1L << 32, 10);
    long x = track(t);
    long y = track(t);
    t.chosenBeforeDurable(List.of(chosen(10, x, y)));
    assertTrue(answers.isEmpty(), "not accepted durably here, so nothing completes before the Chosen record");
    t.chosenDurable(List.of(chosen(10, x, y)));
    assertEquals(new LogPosition(10, 0), answers.get(x));
    assertEquals(new LogPosition(10, 1), answers.get(y));
    assertEquals(0, t.pending());
  }

  @Test
  void aValueAcceptedDurablyHereCompletesAsSoonAsItIsChosen() {
    ProposalTracker t = new ProposalTracker(1L << 32, 10);
    long x = track(t);
    ChosenValue c = chosen(11, x);
    t.persisted(List.of(new Durable.Accepted(11, EPOCH, c.value())));
    t.chosenBeforeDurable(List.of(c));
    assertEquals(new LogPosition(11, 0), answers.get(x));
  }

  @Test
  void aChosenValueOtherThanTheOneAcceptedHereWaitsForItsChosenRecord() {
    ProposalTracker t = new ProposalTracker(1L << 32, 10);
    long x = track(t);
    long other = track(t);
    t.persisted(List.of(new Durable.Accepted(11, EPOCH, chosen(11, x).value())));
    t.chosenBeforeDurable(List.of(chosen(11, other)));
    assertTrue(answers.isEmpty(), "the value chosen at 11 is not the one held here, so it is not durable here yet");
    t.chosenDurable(List.of(chosen(11, other)));
    assertEquals(Map.of(other, new LogPosition(11, 0)), answers);
  }

  @Test
  void droppedAndInDoubtProposalsFailSayingWhetherARetryIsSafe() {
    ProposalTracker t = new ProposalTracker(1L << 32, 0);
    long x = track(t);
    long y = track(t);
    t.dropped(List.of(x));
    t.inDoubt(List.of(y, 12345L));
    assertTrue(((String) answers.get(x)).startsWith("not chosen"), String.valueOf(answers.get(x)));
    assertTrue(((String) answers.get(y)).startsWith("in doubt"), String.valueOf(answers.get(y)));
    t.chosenDurable(List.of(chosen(0, x, y)));
    assertNotEquals(LogPosition.class, answers.get(x).getClass(), "a failed proposal is answered once");
  }

  @Test
  void waitersRunOnceTheirInstanceIsDurable() {
    ProposalTracker t = new ProposalTracker(1L << 32, 5);
    List<String> ran = new ArrayList<>();
    t.whenDurable(4, () -> ran.add("4"));
    t.whenDurable(6, () -> ran.add("6"));
    t.whenDurable(7, () -> ran.add("7"));
    assertEquals(List.of("4"), ran, "4 is durable already");
    t.chosenDurable(List.of(chosen(5), chosen(6)));
    assertEquals(List.of("4", "6"), ran);
    t.chosenDurable(List.of(chosen(7)));
    assertEquals(List.of("4", "6", "7"), ran);
  }

  @Test
  void theChainGetsChosenValuesHeldDurablyHereInOrderAndNeverPastOneThatIsNot() {
    ProposalTracker t = new ProposalTracker(0, 10);
    ChosenValue c10 = chosen(10, 1);
    ChosenValue c11 = chosen(11, 2);
    ChosenValue c12 = chosen(12, 3);
    // 10 and 12 are held as synced Accepted records here; 11 is not (learned from the leader only).
    t.persisted(List.of(new Durable.Accepted(10, EPOCH, c10.value()), new Durable.Accepted(12, EPOCH, c12.value())));
    assertEquals(List.of(c10), t.chosenBeforeDurable(List.of(c10, c11, c12)),
        "12 must wait behind 11, which is durable here only once its Chosen record is");
    t.chosenDurable(List.of(c10, c11, c12));
    ChosenValue c13 = chosen(13, 4);
    t.persisted(List.of(new Durable.Accepted(13, EPOCH, c13.value())));
    assertEquals(List.of(c13), t.chosenBeforeDurable(List.of(c13)), "after the durable ones, the next goes early");
    ChosenValue other14 = chosen(14, 5);
    t.persisted(List.of(new Durable.Accepted(14, EPOCH, chosen(14, 6).value())));
    assertEquals(List.of(), t.chosenBeforeDurable(List.of(other14)), "an acceptance of another value does not count");
  }

  @Test
  void aValueChosenBeforeItsAcceptedRecordSyncedCompletesAndGoesEarlyOnceThatRecordIsDurable() {
    // Several Readys with the log: the Ready holding the Accepted records of 20 and 21 is still syncing when
    // a later Ready hands out 20 and 21 as chosen (the followers' replies came first).
    ProposalTracker t = new ProposalTracker(1L << 32, 20);
    long x = track(t);
    long y = track(t);
    ChosenValue c20 = chosen(20, x);
    ChosenValue c21 = chosen(21, y);
    assertEquals(List.of(), t.chosenBeforeDurable(List.of(c20, c21)));
    assertTrue(answers.isEmpty(), "nothing is durable here yet");
    t.persisted(List.of(new Durable.Accepted(20, EPOCH, c20.value()), new Durable.Accepted(21, EPOCH, c21.value())));
    assertEquals(Map.of(x, new LogPosition(20, 0), y, new LogPosition(21, 0)), answers,
        "chosen, and now held here as synced Accepted records: complete before the Chosen records sync");
    assertEquals(List.of(c20, c21), t.deliverable());
    assertEquals(List.of(), t.deliverable(), "each value goes to the followers once");
    t.chosenDurable(List.of(c20, c21));
    assertEquals(List.of(), t.deliverable());
  }

  @Test
  void aLaterReadysChosenValueWaitsBehindOneNotDurableHereAndNeverTakesAnotherValuesAcceptance() {
    ProposalTracker t = new ProposalTracker(1L << 32, 30);
    long x = track(t);
    ChosenValue c30 = chosen(30, 100);
    ChosenValue c31 = chosen(31, x);
    t.chosenBeforeDurable(List.of(c30, c31));
    // 30 was accepted here with another value (a leader's that lost), 31 with the chosen one.
    t.persisted(List.of(new Durable.Accepted(30, EPOCH, chosen(30, 999).value()),
        new Durable.Accepted(31, EPOCH, c31.value())));
    assertEquals(Map.of(x, new LogPosition(31, 0)), answers, "31 is durable here as accepted and chosen");
    assertEquals(List.of(), t.deliverable(), "31 must not reach the followers before 30, which is not durable here");
    t.chosenDurable(List.of(c30));
    assertEquals(List.of(c31), t.deliverable(), "30's Chosen record is durable: 31 follows it early");
  }
}
