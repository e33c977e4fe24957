/**
 * Multi-Paxos with a master lease and replicated membership, as a pure state machine (JDK only: no
 * threads, clocks, randomness or I/O).
 *
 * <h2>Driving a node</h2>
 * <pre>{@code
 * PaxosNode node = new PaxosNode(config, persistentState);   // or PaxosNode.fresh(config)
 * node.setCampaignAllowed(localDatabaseCaughtUp);
 * // inputs, in any order, on one thread:
 * node.tick();                         // every tick period (e.g. 100 ms)
 * node.step(messageFromPeer);
 * node.propose(proposalId, bytes);     // at the leader; returns QUEUED or why not
 * // output loop:
 * if (node.hasReady()) {
 *     Ready r = node.ready();
 *     storage.append(r.persist()); storage.sync();   // 1. durable, in order
 *     transport.send(r.send());                       // 2. may also go before the sync
 *     apply(r.chosen());                              // 3. in instance order
 *     transport.send(node.advance());                 // 4. promises/accepted, released by the sync
 * }
 * }</pre>
 * Replies that vouch for durable state (Promise, Accepted) are only handed out by {@link
 * io.paxosql.paxos.PaxosNode#advance()}, i.e. after the owner confirmed that the Ready holding their
 * records is durable; no owner can send them early. Messages a node sends itself never leave it.
 *
 * <h2>Protocol</h2>
 * <ul>
 * <li>Ballots are (round, node). One promise per acceptor covers every instance; a candidate runs
 *     phase 1 once from its first unchosen instance, learns chosen values and accepted values from the
 *     promises, re-proposes the highest-ballot value of each instance (keeping its original epoch), fills
 *     gaps with no-ops, then proposes a no-op barrier. Phase 2 keeps up to {@code alpha} instances in
 *     flight; queued proposals are batched into one instance value up to {@code maxBatchBytes}.</li>
 * <li>Each {@link io.paxosql.paxos.Value} carries its epoch: the ballot the leader that created it was elected
 *     under (its term). A leader that hears a member promised above it while its lease runs runs phase 1
 *     again above that promise, keeping its term, lease and values in flight.</li>
 * <li>Lease: a promise or a grant of a Renew is a lease grant. The leader's lease runs until the tick it
 *     sent the request + {@code leaseTicks}, once a majority granted it (of the set voting at its first
 *     unchosen instance, or for a bounded handover after a change, of the set before it: {@code LeaderLease})
 *     and its barrier is chosen; a
 *     follower refuses to promise other candidates until its own receive tick + {@code leaseTicks +
 *     leaseMarginTicks}. A restarted acceptor refuses every candidate for that long. The leader reports
 *     "lease until T" in {@link io.paxosql.paxos.Status}, and steps down ("no lease") at T if it could
 *     not renew. Whether a node may campaign is the owner's call.</li>
 * <li>Pre-vote: a follower whose view of the lease lapsed first asks every member whether it would promise
 *     the ballot it means to use ({@link io.paxosql.paxos.Message.PreVote}; the same checks as a prepare,
 *     nothing promised or persisted). It campaigns only once a majority said yes. A node woken from a stall
 *     (its missed ticks caught up at once) or back from a partition is refused by members that honour a live
 *     lease, so it raises no promise, its own included, that would refuse the live leader's accepts and
 *     renewals and make it step down.</li>
 * <li>Catch-up: a node that hears of a higher commit point asks one peer for chosen values in batches;
 *     a peer that compacted them answers SnapshotNeeded with its first retained instance, surfaced in
 *     {@link io.paxosql.paxos.Ready#snapshotNeeded()}. The owner bounds memory with
 *     {@link io.paxosql.paxos.PaxosNode#compact(long)}.</li>
 * <li>Membership: an {@link io.paxosql.paxos.Entry.AddMember} or {@link io.paxosql.paxos.Entry.RemoveMember}
 *     chosen at instance i governs votes from instance i + alpha; one change at a time. A node ignores
 *     messages of another cluster id.</li>
 * </ul>
 *
 * <h2>Restart</h2>
 * Keep the latest {@link io.paxosql.paxos.Durable.Promised}, the latest Accepted per unchosen
 * instance, the chosen values from the first retained instance on, and every Members record; pass them as
 * a {@link io.paxosql.paxos.PersistentState}.
 */
package io.paxosql.paxos;
