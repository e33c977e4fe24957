package io.paxosql.log;

import java.util.ArrayList;
import java.util.List;

/**
 * Recovery's rules for a log's entry bytes, without Chronicle: how one entry is checked and decoded
 * ({@link #read}, which {@link RecoveryScan} applies to every entry it replays), and a whole replay of
 * entries already framed ({@link #replay}), which the simulator's disk runs over the bytes it holds.
 *
 * <p>The rules: an entry that fails its checksum or cannot be decoded refuses the log
 * ({@link LogCorruptedException}), unless it is the last entry and looks like a write that never reached
 * disk ({@link RecordCodec#looksUnwritten}): that one was never synced, so nothing was acknowledged for it,
 * and it is dropped (overwritten with a filler of its size).
 */
public final class EntryReplay {
  private EntryReplay() {}

  /**
   * One entry as stored: its place and the bytes after Chronicle's 4-byte length header.
   *
   * @param index      Chronicle's index of the entry (the checksum covers it)
   * @param bodyOffset the file offset of its first body byte (sector boundaries decide what looks unwritten)
   * @param body       its bytes
   */
  public record Stored(long index, long bodyOffset, byte[] body) {}

  /** What {@link #read} finds in an entry whose write looks like it never reached disk. */
  record Unwritten(LogCorruptedException damage) {}

  /**
   * The result of a replay.
   *
   * @param state  the acceptor state the entries add up to
   * @param chosen the chosen values held, in instance order from {@code state.firstRetained()}
   * @param tornAt the position in the list of a torn last entry to drop, or -1 if every entry was read
   */
  public record Replayed(Recovered state, List<LogRecord.Chosen> chosen, int tornAt) {}

  /** The bytes of {@code record} as the entry at Chronicle index {@code index}, as the log's writer writes them. */
  public static byte[] encode(LogRecord record, long index) {
    return RecordCodec.encode(record, index);
  }

  /** The filler that replaces a torn entry's {@code bodyBytes}-byte body at {@code index} (see {@link TornTail}). */
  public static byte[] filler(int bodyBytes, long index) {
    return RecordCodec.filler(bodyBytes, index);
  }

  /**
   * Checks and decodes one entry: the decoded record, or {@link Unwritten} if it fails the way a write that
   * never reached disk does (the caller decides whether it is the log's last entry).
   *
   * @throws LogCorruptedException for any other damage
   */
  static Object read(byte[] body, long index, long bodyOffset, String where) {
    try {
      return RecordCodec.decode(body, index, where);
    } catch (LogCorruptedException damaged) {
      if (RecordCodec.looksUnwritten(body, bodyOffset)) {
        return new Unwritten(damaged);
      }
      throw damaged;
    }
  }

  /**
   * Replays {@code entries} in order, as recovery does; {@code where} names the log in errors.
   *
   * @throws LogCorruptedException if an entry is damaged (other than a torn last one) or the chosen values have a gap
   */
  public static Replayed replay(List<Stored> entries, long firstInstance, String where) {
    DurableState state = new DurableState();
    List<LogRecord.Chosen> chosen = new ArrayList<>();
    int tornAt = -1;
    for (int i = 0; i < entries.size(); i++) {
      Stored e = entries.get(i);
      String at = where + " entry " + Long.toHexString(e.index());
      Object r = read(e.body(), e.index(), e.bodyOffset(), at);
      if (r instanceof Unwritten u) {
        if (i != entries.size() - 1) {
          throw u.damage();
        }
        tornAt = i;
        break;
      }
      if (state.apply(r, at) && r instanceof LogRecord.Chosen c) {
        chosen.add(c);
      }
    }
    state.startAtIfEmpty(firstInstance);
    return new Replayed(state.snapshot(), chosen, tornAt);
  }
}
