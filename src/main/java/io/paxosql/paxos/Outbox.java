package io.paxosql.paxos;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a node's output between two Ready values. Messages that vouch for a record (promises, accepted
 * replies) wait here until the owner confirms, through advance(), that the Ready which carried the record
 * is durable; so no driver can send them early.
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
    /** Held behind records handed out in the Ready awaiting advance(); null when none awaits. */
    private List<Message> heldInReady;

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
        return heldInReady != null;
    }

    boolean hasOutput() {
        return !persist.isEmpty() || !send.isEmpty() || !chosen.isEmpty() || !dropped.isEmpty()
                || !inDoubt.isEmpty() || snapshotNeeded != null || !heldNew.isEmpty();
    }

    Ready take(Status status) {
        if (heldInReady != null) {
            throw new IllegalStateException("ready() called twice without advance(); persist the previous Ready, "
                    + "then call advance() before asking for the next one");
        }
        Ready r = new Ready(persist, send, chosen, status, dropped, inDoubt, snapshotNeeded);
        heldInReady = heldNew;
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
        if (heldInReady == null) {
            throw new IllegalStateException("advance() called without a Ready to acknowledge; call ready() first");
        }
        List<Message> out = heldInReady;
        heldInReady = null;
        return out;
    }
}
