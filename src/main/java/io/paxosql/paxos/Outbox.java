package io.paxosql.paxos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a node's output between two Ready values. Messages that vouch for a record (promises, accepted
 * replies) wait here until the owner confirms, through advance(), that the Ready which carried the record
 * is durable; so no driver can send them early. Up to {@code maxUnconfirmed} Readys may await their
 * advance() at once (an owner whose storage completes writes in order can write the next Ready while the
 * previous one syncs); each advance() confirms the oldest.
 */
final class Outbox {

    private List<Durable> persist = new ArrayList<>();
    private List<Message> send = new ArrayList<>();
    private List<ChosenValue> chosen = new ArrayList<>();
    private List<Long> dropped = new ArrayList<>();
    private List<Long> inDoubt = new ArrayList<>();
    private Message.SnapshotNeeded snapshotNeeded;
    /** Held behind records not yet handed out in a Ready. */
    private List<Message> heldNew = new ArrayList<>();
    /** Held behind the records of each Ready handed out and not yet confirmed, oldest first. */
    private final ArrayDeque<List<Message>> heldInReadys = new ArrayDeque<>();
    private int maxUnconfirmed = 1;

    void persist(Durable d) {
        persist.add(d);
    }

    void send(Message m) {
        send.add(m);
    }

    void sendAfterPersist(Message m) {
        heldNew.add(m);
    }

    void chosen(ChosenValue c) {
        chosen.add(c);
    }

    void dropped(long proposalId) {
        dropped.add(proposalId);
    }

    void inDoubt(long proposalId) {
        inDoubt.add(proposalId);
    }

    void snapshotNeeded(Message.SnapshotNeeded s) {
        snapshotNeeded = s;
    }

    boolean awaitingAdvance() {
        return heldInReadys.size() >= maxUnconfirmed;
    }

    void maxUnconfirmed(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one Ready must be allowed to await advance(), got " + max);
        }
        maxUnconfirmed = max;
    }

    boolean hasOutput() {
        return !persist.isEmpty() || !send.isEmpty() || !chosen.isEmpty() || !dropped.isEmpty()
                || !inDoubt.isEmpty() || snapshotNeeded != null || !heldNew.isEmpty();
    }

    Ready take(Status status) {
        if (awaitingAdvance()) {
            throw new IllegalStateException("ready() called with " + heldInReadys.size() + " Ready values awaiting"
                    + " advance(); persist them, then call advance() before asking for the next one");
        }
        Ready r = new Ready(persist, send, chosen, status, dropped, inDoubt, snapshotNeeded);
        heldInReadys.add(heldNew);
        heldNew = new ArrayList<>();
        persist = new ArrayList<>();
        send = new ArrayList<>();
        chosen = new ArrayList<>();
        dropped = new ArrayList<>();
        inDoubt = new ArrayList<>();
        snapshotNeeded = null;
        return r;
    }

    List<Message> release() {
        if (heldInReadys.isEmpty()) {
            throw new IllegalStateException("advance() called without a Ready to acknowledge; call ready() first");
        }
        return heldInReadys.poll();
    }
}
