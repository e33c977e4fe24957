package io.paxosql.paxos;

import java.util.List;

/**
 * Work for the owner. Order: write {@code persist} durably (in order), send {@code send}, apply
 * {@code chosen}, then call {@link PaxosNode#advance()}, which returns the messages that were waiting for
 * these writes (promises, accepted replies) and may now leave. The core never hands those out earlier.
 *
 * @param persist  records to write to stable storage
 * @param send     messages that may leave at once
 * @param chosen   newly chosen values, in instance order, contiguous with earlier ones
 * @param status   the node's status if it changed since the last Ready, else null
 * @param dropped  proposal ids this leader queued but never proposed (certainly not chosen; safe to retry)
 * @param inDoubt  proposal ids in flight when this node stopped leading: they may or may not be chosen later
 * @param snapshotNeeded set when a peer told this node that the values it lacks are compacted away: the owner
 *                 must install a snapshot taken at or after {@code snapshotNeeded.firstRetained()}; else null
 */
public record Ready(List<Durable> persist, List<Message> send, List<ChosenValue> chosen, Status status,
                    List<Long> dropped, List<Long> inDoubt, Message.SnapshotNeeded snapshotNeeded) {

    public Ready {
        persist = List.copyOf(persist);
        send = List.copyOf(send);
        chosen = List.copyOf(chosen);
        dropped = List.copyOf(dropped);
        inDoubt = List.copyOf(inDoubt);
    }

    public boolean isEmpty() {
        return persist.isEmpty() && send.isEmpty() && chosen.isEmpty() && status == null
                && dropped.isEmpty() && inDoubt.isEmpty() && snapshotNeeded == null;
    }
}
