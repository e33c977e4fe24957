package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.PersistentState;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The member sets the driver publishes every tick: voting, newest, and both together. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemberViewTest {
  private static PaxosNode node(Set<Integer> members, List<Durable.Members> changes) {
    PaxosConfig cfg = PaxosConfig.defaults(7, 1, new TreeSet<>(members), 1);
    return new PaxosNode(cfg, new PersistentState(Ballot.ZERO, List.of(), 1, List.of(), changes));
  }

  @Test
  void aChangeNotInForceYetIsInTheViewButNotVoting() {
    MemberView view = new MemberView();
    view.note(node(Set.of(1, 2, 3), List.of(new Durable.Members(1000, new TreeSet<>(Set.of(1, 2, 3, 4))))));
    assertEquals(Set.of(1, 2, 3), view.voting());
    assertEquals(Set.of(1, 2, 3, 4), view.latest());
    assertEquals(Set.of(1, 2, 3, 4), view.all());
  }

  @Test
  void unchangedSetsAreNotCopiedAgainAndNewOnesAre() {
    MemberView view = new MemberView();
    PaxosNode three = node(Set.of(1, 2, 3), List.of());
    view.note(three);
    Set<Integer> first = view.all();
    view.note(three);
    assertSame(first, view.all(), "the same sets from the core: the view is kept, not copied");
    view.note(node(Set.of(1, 2), List.of(new Durable.Members(5, new TreeSet<>(Set.of(1, 2, 5))))));
    assertEquals(Set.of(1, 2), view.voting());
    assertEquals(Set.of(1, 2, 5), view.all(), "other sets: a new view");
  }
}
