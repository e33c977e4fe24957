package io.paxosql.binlog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * The events of one big transaction kept in a temporary file instead of the heap, so a capture that must have a
 * transaction whole before it can be split into Paxos parts holds only the events' offsets in memory. The file
 * is unlinked at once (its space is freed when it is closed); {@link #close} closes it, or the cleaner does once
 * the list is unreachable. Events are appended while the group arrives, then the list is read-only: each
 * {@link #get} reads one event back from the file.
 */
public final class SpooledEvents extends AbstractList<byte[]> implements RandomAccess, AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  private final FileChannel file;
  private final Cleaner.Cleanable cleanable;
  private long[] ends = new long[1024];
  private int size;
  private long bytes;
  private boolean sealed;

  private SpooledEvents(FileChannel file) {
    this.file = file;
    this.cleanable = CLEANER.register(this, closer(file));
  }

  private static Runnable closer(FileChannel file) {
    return () -> {
      try {
        file.close();
      } catch (IOException e) {
        // nothing holds the file any more; the space is freed with the process at the latest
      }
    };
  }

  /** An empty spool in a new, already unlinked file in {@code dir}. */
  public static SpooledEvents create(Path dir) {
    try {
      Path path = Files.createTempFile(dir, "paxosql-txn-", ".spool");
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Files.delete(path);
      return new SpooledEvents(ch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spool a big transaction to a temporary file in " + dir
          + ": free space there or point java.io.tmpdir elsewhere", e);
    }
  }

  /** Appends the next event of the group. */
  public void append(byte[] event) {
    if (sealed) {
      throw new IllegalStateException("the spooled transaction is complete; no event can be added");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(event);
      long at = bytes;
      while (b.hasRemaining()) {
        at += file.write(b, at);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spool event " + size + " of a big transaction: " + e.getMessage(), e);
    }
    if (size == ends.length) {
      ends = Arrays.copyOf(ends, size * 2);
    }
    bytes += event.length;
    ends[size++] = bytes;
  }

  /** No more events: from now on the list only reads. */
  public SpooledEvents seal() {
    sealed = true;
    return this;
  }

  /** The events' bytes in all. */
  public long bytes() {
    return bytes;
  }

  @Override
  public byte[] get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("event " + index + " of " + size);
    }
    long from = index == 0 ? 0 : ends[index - 1];
    ByteBuffer b = ByteBuffer.allocate((int) (ends[index] - from));
    try {
      while (b.hasRemaining()) {
        int n = file.read(b, from + b.position());
        if (n < 0) {
          throw new IOException("the spool file ends at " + (from + b.position()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read event " + index + " of a spooled transaction back: "
          + e.getMessage(), e);
    }
    return b.array();
  }

  @Override
  public int size() {
    return size;
  }

  /** Frees the file now; the events cannot be read after it. */
  @Override
  public void close() {
    cleanable.clean();
  }
}
