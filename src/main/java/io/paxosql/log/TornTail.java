package io.paxosql.log;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;

/**
 * The last entry of the log, unreadable because its write never wholly reached disk: Chronicle framed it, then a
 * power cut stopped the device at a sector boundary inside its body, or a full disk could not back the mapped
 * page holding its end. Nothing after it is readable.
 *
 * <p>Such an entry was never synced, and nothing is sent or acknowledged for a record before its sync
 * completes, so no other node and no client was told of it: dropping it forgets nothing promised. It is
 * dropped by writing a {@link RecordCodec.Filler} of the same size over its body, so Chronicle's framing
 * and indexes stay as they are and every later scan reads past it like any other entry.
 *
 * @param file   the roll file holding it
 * @param offset the file offset of its Chronicle header
 * @param bytes  its size including that 4-byte header
 * @param index  its Chronicle index
 */
record TornTail(File file, long offset, int bytes, long index) {
  String where() {
    return file + " offset " + offset;
  }

  /** Overwrites the torn body with a filler entry and syncs it; the queue must be closed. */
  void seal() {
    try (RandomAccessFile f = new RandomAccessFile(file, "rw")) {
      f.seek(offset + 4);
      f.write(RecordCodec.filler(bytes - 4, index));
      f.getFD().sync();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot overwrite the torn last entry at " + where() + " (" + bytes
          + " bytes); check that the disk has free space and the file is writable, then start the node again", e);
    }
  }
}
