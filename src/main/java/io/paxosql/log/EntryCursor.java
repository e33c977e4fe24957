package io.paxosql.log;

import java.io.File;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Walks the log's entries through one Chronicle tailer and decodes each. Recovery and the reader both read
 * entries this way, so a checksum failure is reported with the same file-and-offset wording wherever it is
 * found. Not thread-safe: each cursor belongs to the one thread that owns its tailer.
 */
final class EntryCursor implements AutoCloseable {
  private final ExcerptTailer tailer;

  /**
   * One decoded entry.
   *
   * @param record the decoded {@link LogRecord} or {@link RecordCodec.Checkpoint}
   * @param index  Chronicle's index of the entry (cycle and sequence)
   * @param file   the roll file holding it
   * @param where  file and offset, for error messages and logs
   * @param bytes  the entry's size
   */
  record Entry(Object record, long index, File file, String where, int bytes) {}

  EntryCursor(ExcerptTailer tailer) {
    this.tailer = tailer;
  }

  /** Positions the cursor at the start of the first retained file. */
  void toStart() {
    tailer.toStart();
  }

  /** Positions the cursor at Chronicle index {@code index}; false if no entry is there. */
  boolean moveTo(long index) {
    return tailer.moveToIndex(index);
  }

  /**
   * One entry's bytes, not yet decoded.
   *
   * @param body   the bytes after Chronicle's 4-byte header
   * @param index  Chronicle's index of the entry
   * @param file   the roll file holding it
   * @param offset the file offset of its header
   */
  record Raw(byte[] body, long index, File file, long offset) {
    String where() {
      return file + " offset " + offset;
    }
  }

  /**
   * Reads and decodes the next entry; null when no further entry is readable (the end of the log, or a tail
   * entry whose write never completed).
   *
   * @throws LogCorruptedException if the entry fails its checksum or cannot be decoded
   */
  Entry next() {
    Raw r = nextRaw();
    if (r == null) {
      return null;
    }
    return new Entry(RecordCodec.decode(r.body(), r.index(), r.where()), r.index(), r.file(), r.where(), r.body().length + 4);
  }

  /** Reads the next entry's bytes without decoding them (the cursor moves past it); null as for {@link #next}. */
  Raw nextRaw() {
    try (DocumentContext dc = tailer.readingDocument()) {
      if (!dc.isPresent()) {
        return null;
      }
      Bytes<?> b = dc.wire().bytes();
      // Chronicle's 4-byte header sits just before the body: the entry starts there.
      long offset = b.readPosition() - 4;
      byte[] raw = new byte[(int) b.readRemaining()];
      b.read(raw);
      return new Raw(raw, dc.index(), tailer.currentFile(), offset);
    }
  }

  /**
   * Moves past the next entry without decoding it and returns its Chronicle index, or -1 if none is readable.
   * Used to check where Chronicle placed an append, not to read its content.
   */
  long skip() {
    try (DocumentContext dc = tailer.readingDocument()) {
      return dc.isPresent() ? dc.index() : -1;
    }
  }

  /**
   * "file@offset" of the entry at Chronicle index {@code index}, or null if there is none. Does not decode it,
   * so it also locates an entry that a test is about to damage or has damaged.
   */
  String locate(long index) {
    if (!tailer.moveToIndex(index)) {
      return null;
    }
    try (DocumentContext dc = tailer.readingDocument()) {
      return dc.isPresent() ? tailer.currentFile() + "@" + (dc.wire().bytes().readPosition() - 4) : null;
    }
  }

  @Override
  public void close() {
    tailer.close();
  }
}
