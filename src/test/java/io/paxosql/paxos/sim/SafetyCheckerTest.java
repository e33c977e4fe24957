package io.paxosql.paxos.sim;

import io.paxosql.paxos.AcceptedValue;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker must be able to fail, or a clean simulation proves nothing. */
class SafetyCheckerTest {

    private static Value data(long id, int leader) {
        return new Value(new Ballot(1, leader), List.of(new Entry.Data(id, new byte[] {(byte) id})));
    }

    @Test
    void twoValuesAtOneInstance() {
        SafetyChecker c = new SafetyChecker();
        c.applied(1, 5, 5, data(1, 1));
        var e = assertThrows(SafetyChecker.SafetyViolation.class, () -> c.applied(2, 5, 5, data(2, 1)));
        assertTrue(e.getMessage().contains("two values chosen at instance 5"), e.getMessage());
    }

    @Test
    void gapInANodesLog() {
        SafetyChecker c = new SafetyChecker();
        assertThrows(SafetyChecker.SafetyViolation.class, () -> c.applied(1, 5, 6, data(1, 1)));
    }

    @Test
    void valueLostAcrossACrash() {
        SafetyChecker c = new SafetyChecker();
        c.applied(1, 9, 9, data(1, 1));
        assertThrows(SafetyChecker.SafetyViolation.class, () -> c.restarted(1, 10, 9, List.of()));
        // Applied before its Chosen record was durable, and held as a durable acceptance: nothing is lost.
        c.restarted(1, 10, 9, List.of(new AcceptedValue(9, new Ballot(1, 1), data(1, 1))));
        assertThrows(SafetyChecker.SafetyViolation.class,
                () -> c.restarted(1, 10, 9, List.of(new AcceptedValue(9, new Ballot(2, 1), data(2, 1)))));
    }

    @Test
    void twoLeaseHolders() {
        SafetyChecker c = new SafetyChecker();
        c.leaseHolders(List.of(2), 100);
        assertThrows(SafetyChecker.SafetyViolation.class, () -> c.leaseHolders(List.of(1, 2), 100));
    }

    @Test
    void proposalChosenTwiceOrAfterBeingDropped() {
        SafetyChecker c = new SafetyChecker();
        c.applied(1, 5, 5, data(7, 1));
        assertThrows(SafetyChecker.SafetyViolation.class, () -> c.applied(1, 6, 6, data(7, 2)));
        SafetyChecker d = new SafetyChecker();
        d.dropped(List.of(8L));
        assertThrows(SafetyChecker.SafetyViolation.class, () -> d.applied(1, 5, 5, data(8, 1)));
    }
}
