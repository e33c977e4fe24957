package io.paxosql.paxos.sim;

import io.paxosql.log.EntryReplay;
import io.paxosql.log.LogCorruptedException;
import io.paxosql.log.LogRecord;
import io.paxosql.node.replog.SimRecords;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.PersistentState;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A disk holding the node's log as the real log writes it: each core record mapped to its log record
 * ({@code RecordMapping}) and encoded by the log's record codec, checksum seeded with the entry's index
 * ({@link EntryReplay#encode}). Writes reach stable storage only at sync; a crash keeps a random prefix of
 * the rest. A restart replays the bytes by the real recovery rules ({@link EntryReplay#replay}) and maps them
 * back ({@code RecordMapping.toCore}); nothing else is read back.
 *
 * <p>A disk built with a fault source damages itself at some crashes ({@link Fault}). Beside the bytes it
 * keeps which entries it damaged (never read by recovery), so that {@link #recover} can tell whether the node
 * refused, repaired, or read damaged bytes as good ones.
 */
final class SimStorage {

    /** The storage faults a crash may leave. */
    enum Fault {
        /**
         * The last record reaching disk is cut: the rest reads as zeros from the last page boundary inside it
         * (a mapped page that never reached disk), or else from the last sector boundary (a torn sector write).
         * Recovery must drop it unless the cut falls inside its 4-byte checksum (see {@code RecordCodec}).
         */
        TORN,
        /** A bit flips in a record that had been written but not synced. */
        FLIP_UNSYNCED,
        /** A bit flips in a record that had been synced (rot, or a bad read later). */
        FLIP_SYNCED,
        /** A record's bytes land at another record's place; its own place is never written. */
        MISDIRECTED
    }

    /** Where a write tears or stops: a memory page, or the device's sector inside one. */
    private static final int PAGE = 4096;
    private static final int SECTOR = 512;
    /** Chronicle's header before each body, and a roll file's first body offset here. */
    private static final int HEADER = 4;
    private static final long FILE_START = 0x10000;

    /** One entry: its place and bytes, and beside the disk what it holds and what damaged it. */
    private static final class Slot {
        final long index;
        final long bodyOffset;
        byte[] body;
        final Durable record;
        boolean synced;
        String damage;
        /** Torn with its whole checksum lost: the recovery rule drops it when it is the log's last entry. */
        boolean droppable;

        Slot(long index, long bodyOffset, byte[] body, Durable record) {
            this.index = index;
            this.bodyOffset = bodyOffset;
            this.body = body;
            this.record = record;
        }
    }

    /**
     * What a restart read.
     *
     * @param state       the core's restart state, or null if the node refused its log
     * @param refusal     why the log was refused (LogCorruptedException's message), or null
     * @param damage      the damaged entries among those recovery read: if it refused, what it refused (must
     *                    be some); else what it took as good (must be none)
     * @param syncedDropped a synced entry recovery dropped as a torn tail, or null (must be null)
     * @param repaired    a torn last entry was dropped (overwritten with a filler)
     * @param tornRefused the damage of a torn last entry the log was refused for, though the recovery rule
     *                    drops it (its whole checksum was lost, nothing else was damaged), or null (must be null)
     */
    record Recovery(PersistentState state, String refusal, List<String> damage, String syncedDropped,
                    boolean repaired, String tornRefused) { }

    private final int node;
    private final long firstInstance;
    /** Null on a healthy disk. */
    private final SplittableRandom faults;
    private final double faultRate;
    private final List<Slot> disk = new ArrayList<>();
    private final List<Slot> unsynced = new ArrayList<>();
    private long nextIndex = 1;
    private long nextOffset = FILE_START + HEADER;
    /** One past the last chosen instance that is durable, as the running process knows it. */
    private long chosenBelow;
    private final long[] injected = new long[Fault.values().length];

    SimStorage(int node, long firstInstance, SplittableRandom faults, double faultRate) {
        this.node = node;
        this.firstInstance = firstInstance;
        this.chosenBelow = firstInstance;
        this.faults = faults;
        this.faultRate = faultRate;
    }

    void write(List<Durable> records) {
        List<LogRecord> mapped = SimRecords.toLog(records);
        for (int i = 0; i < records.size(); i++) {
            byte[] body = EntryReplay.encode(mapped.get(i), nextIndex);
            unsynced.add(new Slot(nextIndex, nextOffset, body, records.get(i)));
            nextIndex++;
            nextOffset += body.length + HEADER;
        }
    }

    void sync() {
        sync(unsynced.size());
    }

    /** Makes the oldest {@code count} pending records durable (a sync that covered only the earlier writes). */
    void sync(int count) {
        List<Slot> done = unsynced.subList(0, count);
        for (Slot s : done) {
            s.synced = true;
            land(s);
        }
        done.clear();
    }

    private void land(Slot s) {
        disk.add(s);
        if (s.record instanceof Durable.Chosen c) {
            chosenBelow = Math.max(chosenBelow, c.instance() + 1);
        }
    }

    /**
     * Power loss: the disk may have written some of the pending records, in order, before dying. A faulty
     * disk may also leave one of the {@link Fault}s behind.
     */
    void crash(SplittableRandom rnd) {
        int kept = unsynced.isEmpty() ? 0 : rnd.nextInt(unsynced.size() + 1);
        Fault fault = faults != null && faults.nextDouble() < faultRate
                ? Fault.values()[faults.nextInt(Fault.values().length)] : null;
        if (fault == Fault.TORN && kept == unsynced.size() && kept > 0) {
            kept--; // all reached disk: the last one tears instead
        }
        List<Slot> landed = new ArrayList<>(unsynced.subList(0, kept));
        Slot next = kept < unsynced.size() ? unsynced.get(kept) : null;
        unsynced.clear();
        landed.forEach(this::land);
        if (fault != null) {
            damage(fault, landed, next);
        }
    }

    private void damage(Fault f, List<Slot> landed, Slot next) {
        switch (f) {
            case TORN -> {
                if (next == null) {
                    return;
                }
                long end = next.bodyOffset + next.body.length;
                long cut = (end - 1) / PAGE * PAGE;
                if (cut <= next.bodyOffset) {
                    cut = (end - 1) / SECTOR * SECTOR;
                }
                if (cut <= next.bodyOffset) {
                    return; // within one sector: it reaches disk whole or not at all
                }
                byte[] torn = new byte[next.body.length];
                System.arraycopy(next.body, 0, torn, 0, (int) (cut - next.bodyOffset));
                next.body = torn;
                next.damage = "torn write (zeros from offset " + cut + ")";
                next.droppable = cut <= end - 4;
                disk.add(next); // on disk, but the running process never counted it durable
            }
            case FLIP_UNSYNCED -> {
                if (landed.isEmpty()) {
                    return;
                }
                flip(landed.get(faults.nextInt(landed.size())), "bit flip in an unsynced record");
            }
            case FLIP_SYNCED -> {
                List<Slot> synced = disk.stream().filter(s -> s.synced).toList();
                if (synced.isEmpty()) {
                    return;
                }
                flip(synced.get(faults.nextInt(synced.size())), "bit flip in a synced record");
            }
            case MISDIRECTED -> {
                if (landed.isEmpty() || disk.size() < 2) {
                    return;
                }
                Slot from = landed.get(faults.nextInt(landed.size()));
                int at = disk.indexOf(from);
                if (at == 0) {
                    return;
                }
                Slot onto = disk.get(faults.nextInt(at));
                byte[] over = onto.body.clone();
                System.arraycopy(from.body, 0, over, 0, Math.min(over.length, from.body.length));
                onto.body = over;
                onto.damage = "misdirected write (entry " + from.index + "'s bytes at entry " + onto.index + ")";
                from.body = new byte[from.body.length];
                from.damage = "misdirected write (entry " + from.index + " never reached its place)";
            }
        }
        injected[f.ordinal()]++;
    }

    private void flip(Slot s, String what) {
        byte[] b = s.body.clone();
        int bit = faults.nextInt(b.length * 8);
        b[bit / 8] ^= (byte) (1 << (bit % 8));
        s.body = b;
        s.damage = what + " (bit " + bit + " of entry " + s.index + ")";
    }

    /**
     * A restart: replays the disk's bytes by the real recovery rules. A torn last entry is dropped as the real
     * log drops it (a filler of its size in its place); any other damage refuses the log.
     */
    Recovery recover() {
        List<EntryReplay.Stored> stored = new ArrayList<>(disk.size());
        for (Slot s : disk) {
            stored.add(new EntryReplay.Stored(s.index, s.bodyOffset, s.body));
        }
        EntryReplay.Replayed r;
        try {
            r = EntryReplay.replay(stored, firstInstance, "node " + node + "'s log");
        } catch (LogCorruptedException e) {
            List<String> damage = damaged(disk.size());
            Slot last = disk.isEmpty() ? null : disk.get(disk.size() - 1);
            String tornRefused = last != null && last.droppable && last.damage != null
                    && damage.equals(List.of(last.damage)) ? last.damage : null;
            return new Recovery(null, e.getMessage(), damage, null, false, tornRefused);
        }
        String syncedDropped = null;
        if (r.tornAt() >= 0) {
            Slot torn = disk.get(r.tornAt());
            if (torn.synced) {
                syncedDropped = "entry " + torn.index + " (" + torn.record.getClass().getSimpleName() + ")";
            }
            torn.body = EntryReplay.filler(torn.body.length, torn.index);
            torn.damage = null;
            torn.droppable = false;
        }
        chosenBelow = r.state().chosenBelow();
        PersistentState state = SimRecords.toCore(r.state(), r.chosen());
        return new Recovery(state, null, damaged(r.tornAt() >= 0 ? r.tornAt() : disk.size()), syncedDropped,
                r.tornAt() >= 0, null);
    }

    /** The damage of the first {@code count} entries. */
    private List<String> damaged(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (disk.get(i).damage != null) {
                out.add(disk.get(i).damage);
            }
        }
        return out;
    }

    /** Retention: drops the durable Chosen records below {@code below} (the rest keep their places). */
    void compact(long below) {
        disk.removeIf(s -> s.record instanceof Durable.Chosen c && c.instance() < below);
    }

    long firstUnchosen() {
        return chosenBelow;
    }

    /** How many faults of each {@link Fault} kind this disk took. */
    long[] injected() {
        return injected.clone();
    }
}
