package io.paxosql.paxos;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * What the lease may count on around a change (LeaderLease): the set just before the one in force, when one
     * member apart; and a set only while at most one newer set is known, one member apart, since majorities of
     * sets two changes apart can miss each other ({1, 2} of {1, 2, 3} and {3, 4, 5} of {1, 2, 3, 4, 5}).
     */
    @Test
    void aSetMeetsTheNextSetOneMemberApartButNotTheOneAfter() {
        Membership m = new Membership(2, 0, Set.of(1, 2, 3));
        assertNull(m.previousAt(3), "the genesis set has none before it");
        assertTrue(m.newerSetsMeet(0));
        m.apply(3, new Entry.AddMember(1, 4));
        assertEquals(new TreeSet<>(Set.of(1, 2, 3)), m.previousAt(7));
        assertEquals(0, m.previousStart(7));
        assertEquals(5, m.startOf(7));
        assertTrue(m.newerSetsMeet(0), "{1, 2, 3} and {1, 2, 3, 4}");
        m.apply(7, new Entry.AddMember(2, 5));
        assertFalse(m.newerSetsMeet(0), "two changes on");
        assertTrue(m.newerSetsMeet(5));
        assertTrue(m.newerSetsMeet(9));
        assertEquals(new TreeSet<>(Set.of(1, 2, 3, 4)), m.previousAt(9));

        Membership fromCheckpoint = new Membership(2, 0, Set.of(1, 2, 3));
        fromCheckpoint.restore(new Durable.Members(50, new TreeSet<>(Set.of(3, 4, 5))));
        assertNull(fromCheckpoint.previousAt(60), "the changes between the two sets are not known here");
        assertFalse(fromCheckpoint.newerSetsMeet(0));
    }

    @Test
    void majorityCountsOnlyMembers() {
        Set<Integer> members = Set.of(2, 3, 4);
        assertEquals(false, Membership.isMajority(Set.of(1, 2), members));
        assertEquals(true, Membership.isMajority(Set.of(1, 2, 4), members));
    }
}
