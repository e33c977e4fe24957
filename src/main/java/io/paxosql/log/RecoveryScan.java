package io.paxosql.log;

import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays every entry of the log at open: rebuilds the acceptor state, the chosen-instance index and the
 * roll files' chosen ranges, and refuses a log whose tail Chronicle lists but cannot read.
 *
 * <p>The scan keeps its cursor open after the replay: once the writer has appended its start checkpoint,
 * {@link #verifyNextIs} checks that this checkpoint is the very next readable entry.
 */
final class RecoveryScan implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryScan.class);

  private final LogConfig config;
  private final EntryCursor cursor;
  private final InstanceIndex index;
  /** File and offset of the last entry read, or null if the log was empty. */
  private final String end;
  /** A torn last entry that was never synced, found instead of finishing the replay; null if none. */
  private final TornTail tornTail;

  private RecoveryScan(LogConfig config, EntryCursor cursor, InstanceIndex index, String end, TornTail tornTail) {
    this.config = config;
    this.cursor = cursor;
    this.index = index;
    this.end = end;
    this.tornTail = tornTail;
  }

  /**
   * Replays every entry into {@code state} and {@code files}.
   *
   * <p>Each entry is checked by {@link EntryReplay#read}. If the last entry fails its checksum the way a write
   * that never reached disk does (see {@link RecordCodec#looksUnwritten}) and nothing readable follows it, the replay stops there and
   * {@link #tornTail()} names it: the caller must drop it and scan again. The state is then incomplete.
   *
   * @throws LogCorruptedException if an entry is damaged, the chosen values have a gap, or the tail is torn
   */
  static RecoveryScan run(LogConfig config, SingleChronicleQueue queue, DurableState state, RollFiles files) {
    EntryCursor cursor = new EntryCursor(queue.createTailer());
    try {
      return replay(config, queue, cursor, state, files);
    } catch (RuntimeException e) {
      cursor.close();
      throw e;
    }
  }

  private static RecoveryScan replay(LogConfig config, SingleChronicleQueue queue, EntryCursor cursor,
                                     DurableState state, RollFiles files) {
    InstanceIndex idx = null;
    long count = 0;
    long lastIndexRead = -1;
    String lastWhere = null;
    cursor.toStart();
    for (EntryCursor.Raw raw = cursor.nextRaw(); raw != null; raw = cursor.nextRaw()) {
      Object record = EntryReplay.read(raw.body(), raw.index(), raw.offset() + 4, raw.where());
      if (record instanceof EntryReplay.Unwritten unwritten) {
        TornTail torn = tornTail(queue, cursor, raw, unwritten.damage());
        return new RecoveryScan(config, cursor, null, lastWhere, torn);
      }
      EntryCursor.Entry e = new EntryCursor.Entry(record, raw.index(), raw.file(), raw.where(), raw.body().length + 4);
      int cycle = queue.rollCycle().toCycle(e.index());
      files.noteFile(cycle, e.file());
      files.noteBytes(cycle, e.bytes());
      if (state.apply(e.record(), e.where()) && e.record() instanceof LogRecord.Chosen c) {
        if (idx == null) {
          idx = new InstanceIndex(c.instance());
        }
        idx.add(c.instance(), e.index());
        files.noteChosen(cycle, c.instance());
      }
      count++;
      lastIndexRead = e.index();
      lastWhere = e.where();
    }
    long chronicleLast = queue.lastIndex();
    if (chronicleLast != lastIndexRead) {
      // Chronicle's own bookkeeping lists entries the scan cannot read: a tail write was torn (pages of the
      // header or body never reached disk) in a way Chronicle will not repair, and appending would hide it.
      throw new LogCorruptedException("log " + config.dir() + " lists entries up to Chronicle index "
          + Long.toHexString(chronicleLast) + " but they cannot be read after the entry at " + describe(lastWhere)
          + " (torn write at the tail). Refusing to start. " + LogCorruptedException.ADVICE);
    }
    state.startAtIfEmpty(config.firstInstance());
    if (idx == null) {
      idx = new InstanceIndex(state.chosenBelow());
    }
    LOG.info("log {}: replayed {} entries; chosen [{}, {}), {} files", config.dir(), count, state.firstRetained(),
        state.chosenBelow(), files.count());
    return new RecoveryScan(config, cursor, idx, lastWhere, null);
  }

  /**
   * The entry {@code raw}, which looks never written, as a torn tail if it is one: the last entry Chronicle
   * holds, in this file or any later one. Anything else is real damage: rethrows it.
   */
  private static TornTail tornTail(SingleChronicleQueue queue, EntryCursor cursor, EntryCursor.Raw raw,
                                   LogCorruptedException damaged) {
    EntryCursor.Raw after = cursor.nextRaw();
    if (after != null || queue.lastIndex() != raw.index()) {
      throw damaged;
    }
    return new TornTail(raw.file(), raw.offset(), raw.body().length + 4, raw.index());
  }

  /** The torn last entry that stopped the replay, or null if the replay read the whole log. */
  TornTail tornTail() {
    return tornTail;
  }

  /** The Chronicle index of every chosen instance the log holds. */
  InstanceIndex index() {
    return index;
  }

  /**
   * The checkpoint written at start must be the very next entry after what the scan read. If Chronicle
   * placed it behind an unreadable region (a torn header it did not repair), everything appended from
   * now on would be invisible to the next recovery: refuse instead.
   */
  void verifyNextIs(long checkpointIndex) {
    if (cursor.skip() == checkpointIndex) {
      return;
    }
    throw new LogCorruptedException("log " + config.dir() + " has an unreadable region after " + describe(end)
        + " (torn write at the tail that Chronicle did not repair). Refusing to start. "
        + LogCorruptedException.ADVICE);
  }

  private static String describe(String where) {
    return where == null ? "the start of the first file" : where;
  }

  @Override
  public void close() {
    cursor.close();
  }
}
