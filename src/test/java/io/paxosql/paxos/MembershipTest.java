package io.paxosql.paxos;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MembershipTest {

    @Test
    void changeTakesEffectAlphaInstancesLater() {
        Membership m = new Membership(4, 100, Set.of(1, 2, 3));
        Durable.Members r = m.apply(110, new Entry.AddMember(1, 4));
        assertEquals(114, r.effectiveFrom());
        assertEquals(new TreeSet<>(Set.of(1, 2, 3)), m.at(113));
        assertEquals(new TreeSet<>(Set.of(1, 2, 3, 4)), m.at(114));
        assertEquals(new TreeSet<>(Set.of(1, 2, 3, 4)), m.from(105));
    }

    /** Seen in simulation (seed 40445, before the ballot fix changed its schedule): a removal recovered
     *  from a deposed leader landed after another removal and emptied the member set. */
    @Test
    void changeThatNoLongerFitsIsIgnoredByEveryone() {
        Membership m = new Membership(2, 0, Set.of(1, 3));
        assertEquals(new TreeSet<>(Set.of(3)), m.apply(5, new Entry.RemoveMember(1, 1)).members());
        assertNull(m.apply(6, new Entry.RemoveMember(2, 3)), "the last member cannot be removed");
        assertNull(m.apply(7, new Entry.AddMember(3, 3)), "adding a member twice changes nothing");
        assertEquals(new TreeSet<>(Set.of(3)), m.latest());
    }

    @Test
    void majorityCountsOnlyMembers() {
        Set<Integer> members = Set.of(2, 3, 4);
        assertEquals(false, Membership.isMajority(Set.of(1, 2), members));
        assertEquals(true, Membership.isMajority(Set.of(1, 2, 4), members));
    }
}
