package io.paxosql.log;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Byte layout of one log entry: {@code version(1) kind(1) body crc32c(4)}, big-endian. Chronicle frames each
 * entry with its own length header; the checksum catches a torn or rotted body that the header cannot.
 *
 * <p>Version 2 (written now) seeds the CRC32C with the entry's Chronicle index (8 bytes, big-endian) before
 * the bytes it covers, so an entry's bytes are only valid at their own place: a misdirected write (an entry's
 * bytes landing at another entry's place, even one of the same size) fails the check like a rotted body.
 * Version 1 entries (CRC over the bytes alone) are still read.
 */
final class RecordCodec {
  static final byte VERSION = 2;
  /** Entries written before the checksum covered the entry's index. */
  static final byte VERSION_UNPLACED = 1;
  private static final byte PROMISED = 1;
  private static final byte ACCEPTED = 2;
  private static final byte CHOSEN = 3;
  private static final byte MEMBERS = 4;
  private static final byte CHECKPOINT = 5;
  private static final byte FILLER = 6;
  /**
   * Granularity in which a write reaches disk or is lost: a device writes a 512-byte sector whole or not at
   * all. A memory page is 8 sectors, so a page that never reached disk is a run of them.
   */
  private static final int SECTOR = 512;
  private static final int MAX_MEMBERS = 1024;

  private RecordCodec() {}

  /**
   * State carried forward at the head of every new roll file, so that older files can be deleted without
   * losing the promise, unchosen acceptances or member sets they hold.
   */
  record Checkpoint(long chosenBelow, LogRecord.Promised promised, List<LogRecord.Accepted> accepted,
                    List<LogRecord.Members> members) {
    Checkpoint {
      accepted = List.copyOf(accepted);
      members = List.copyOf(members);
    }
  }

  /**
   * An entry that holds nothing: written at open over the body of a torn last entry that was never synced
   * (see {@link TornTail}), so that later scans read past it. Its size is the torn entry's.
   */
  record Filler(int bytes) {}

  /** A valid filler entry of exactly {@code size} bytes (at least the 6-byte minimum) for Chronicle index {@code index}. */
  static byte[] filler(int size, long index) {
    if (size < 6) {
      throw new IllegalArgumentException("a filler entry needs at least 6 bytes, not " + size);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(VERSION).put(FILLER);
    b.putInt(size - 4, checksum(b.array(), VERSION, index));
    return b.array();
  }

  /** The CRC32C of everything but the last 4 bytes, seeded with {@code index} for the placed version. */
  private static int checksum(byte[] bytes, byte version, long index) {
    CRC32C crc = new CRC32C();
    if (version != VERSION_UNPLACED) {
      crc.update(ByteBuffer.allocate(8).putLong(index).array());
    }
    crc.update(bytes, 0, bytes.length - 4);
    return (int) crc.getValue();
  }

  /**
   * True if an entry body that fails its checksum looks like a write that never reached disk: its stored
   * checksum is zero and it ends in zeros from a sector boundary inside the body (sectors a power cut kept
   * from being written, or a mapped page a full disk could not back, read back as the zeros the
   * preallocated file held). {@code bodyOffset} is its file offset.
   *
   * <p>A checksum that is on disk in whole or in part does not qualify, even with zeros before it: the
   * sector holding it was written, so those zeros are a hole (a device may write a request's sectors in any
   * order, or lose one later), not a write cut short; and 1 to 3 zero checksum bytes are what rot leaves
   * far too often, while a whole zero checksum is 4 bytes of evidence (see ARCHITECTURE.md, "Recovery rules").
   */
  static boolean looksUnwritten(byte[] body, long bodyOffset) {
    if (body.length < 4 || ByteBuffer.wrap(body).getInt(body.length - 4) != 0) {
      return false;
    }
    int zerosFrom = body.length;
    while (zerosFrom > 0 && body[zerosFrom - 1] == 0) {
      zerosFrom--;
    }
    long firstZero = bodyOffset + zerosFrom;
    long sectorStart = (firstZero + SECTOR - 1) / SECTOR * SECTOR;
    // The zeros must run from a sector start (a page start is one) to the body's end.
    return sectorStart < bodyOffset + body.length;
  }

  /** The bytes of {@code record} as the entry at Chronicle index {@code index}. */
  static byte[] encode(Object record, long index) {
    int size = 2 + bodySize(record) + 4;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(VERSION);
    if (record instanceof LogRecord.Promised p) {
      b.put(PROMISED);
      putPromised(b, p);
    } else if (record instanceof LogRecord.Accepted a) {
      b.put(ACCEPTED);
      putAccepted(b, a);
    } else if (record instanceof LogRecord.Chosen c) {
      b.put(CHOSEN).putLong(c.instance()).putInt(c.value().length).put(c.value());
    } else if (record instanceof LogRecord.Members m) {
      b.put(MEMBERS);
      putMembers(b, m);
    } else if (record instanceof Checkpoint cp) {
      b.put(CHECKPOINT).putLong(cp.chosenBelow());
      putPromised(b, cp.promised());
      b.putInt(cp.accepted().size());
      cp.accepted().forEach(a -> putAccepted(b, a));
      b.putInt(cp.members().size());
      cp.members().forEach(m -> putMembers(b, m));
    } else {
      throw new IllegalArgumentException("not a log record: " + record);
    }
    b.putInt(checksum(b.array(), VERSION, index));
    return b.array();
  }

  /**
   * Decodes the entry at Chronicle index {@code index}; {@code where} names its file and offset for the error
   * message.
   *
   * @throws LogCorruptedException if the checksum fails (also for bytes written for another index) or the
   *     body is malformed
   */
  static Object decode(byte[] bytes, long index, String where) {
    if (bytes.length < 6) {
      throw corrupt(where, "entry of " + bytes.length + " bytes is shorter than the 6-byte minimum");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int computed = checksum(bytes, bytes[0], index);
    int stored = b.getInt(bytes.length - 4);
    if (stored != computed) {
      throw corrupt(where, String.format("checksum mismatch (stored %08x, computed %08x for index %x) over %d bytes"
          + " (rotted, torn, or written for another place)", stored, computed, index, bytes.length));
    }
    b.limit(bytes.length - 4);
    try {
      byte version = b.get();
      if (version != VERSION && version != VERSION_UNPLACED) {
        throw corrupt(where, "unknown entry format version " + version + " (this build reads " + VERSION + ")");
      }
      byte kind = b.get();
      Object r = switch (kind) {
        case PROMISED -> getPromised(b);
        case ACCEPTED -> getAccepted(b);
        case CHOSEN -> new LogRecord.Chosen(b.getLong(), getBytes(b));
        case MEMBERS -> getMembers(b);
        case CHECKPOINT -> getCheckpoint(b);
        case FILLER -> {
          b.position(b.limit());
          yield new Filler(bytes.length);
        }
        default -> throw corrupt(where, "unknown entry kind " + kind);
      };
      if (b.hasRemaining()) {
        throw corrupt(where, b.remaining() + " unexpected trailing bytes after a kind-" + kind + " entry");
      }
      return r;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw corrupt(where, "malformed body (" + e + ")");
    }
  }

  private static LogCorruptedException corrupt(String where, String what) {
    return new LogCorruptedException("corrupted log entry at " + where + ": " + what
        + ". Refusing to start. " + LogCorruptedException.ADVICE);
  }

  private static int bodySize(Object r) {
    if (r instanceof LogRecord.Promised) {
      return 12;
    } else if (r instanceof LogRecord.Accepted a) {
      return 24 + a.value().length;
    } else if (r instanceof LogRecord.Chosen c) {
      return 12 + c.value().length;
    } else if (r instanceof LogRecord.Members m) {
      return 12 + 4 * m.members().length;
    } else if (r instanceof Checkpoint cp) {
      int s = 8 + 12 + 4 + 4;
      for (LogRecord.Accepted a : cp.accepted()) {
        s += bodySize(a);
      }
      for (LogRecord.Members m : cp.members()) {
        s += bodySize(m);
      }
      return s;
    }
    throw new IllegalArgumentException("not a log record: " + r);
  }

  private static void putPromised(ByteBuffer b, LogRecord.Promised p) {
    b.putLong(p.round()).putInt(p.node());
  }

  private static void putAccepted(ByteBuffer b, LogRecord.Accepted a) {
    b.putLong(a.instance()).putLong(a.round()).putInt(a.node()).putInt(a.value().length).put(a.value());
  }

  private static void putMembers(ByteBuffer b, LogRecord.Members m) {
    int[] ids = m.members();
    b.putLong(m.effectiveFrom()).putInt(ids.length);
    for (int id : ids) {
      b.putInt(id);
    }
  }

  private static LogRecord.Promised getPromised(ByteBuffer b) {
    return new LogRecord.Promised(b.getLong(), b.getInt());
  }

  private static LogRecord.Accepted getAccepted(ByteBuffer b) {
    return new LogRecord.Accepted(b.getLong(), b.getLong(), b.getInt(), getBytes(b));
  }

  private static LogRecord.Members getMembers(ByteBuffer b) {
    long from = b.getLong();
    int n = count(b, MAX_MEMBERS, 4);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = b.getInt();
    }
    return new LogRecord.Members(from, ids);
  }

  private static Checkpoint getCheckpoint(ByteBuffer b) {
    long chosenBelow = b.getLong();
    LogRecord.Promised p = getPromised(b);
    int na = count(b, Integer.MAX_VALUE, 24);
    List<LogRecord.Accepted> acc = new ArrayList<>(na);
    for (int i = 0; i < na; i++) {
      acc.add(getAccepted(b));
    }
    int nm = count(b, MAX_MEMBERS, 12);
    List<LogRecord.Members> mem = new ArrayList<>(nm);
    for (int i = 0; i < nm; i++) {
      mem.add(getMembers(b));
    }
    return new Checkpoint(chosenBelow, p, acc, mem);
  }

  private static byte[] getBytes(ByteBuffer b) {
    byte[] v = new byte[count(b, Integer.MAX_VALUE, 1)];
    b.get(v);
    return v;
  }

  /** Reads a count and checks it against what the remaining bytes can possibly hold. */
  private static int count(ByteBuffer b, int max, int minBytesEach) {
    int n = b.getInt();
    if (n < 0 || n > max || (long) n * minBytesEach > b.remaining()) {
      throw new IllegalArgumentException("count " + n + " does not fit the " + b.remaining() + " bytes left");
    }
    return n;
  }
}
