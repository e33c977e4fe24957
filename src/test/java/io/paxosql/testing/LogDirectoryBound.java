package io.paxosql.testing;

import io.paxosql.testing.DiskBlocks.FileUsage;
import io.paxosql.testing.DiskBlocks.Usage;
import java.nio.file.Path;
import java.util.List;

/**
 * What a node's Paxos log directory may take on disk under issue 14's bound: {@code log.retainBytes} plus one
 * roll file of entries, plus what Chronicle Queue keeps besides the entries, each item named:
 * <ul>
 *   <li>per roll file ({@code *.cq4}), {@link #PAGES_PER_ROLL_FILE} pages: the file's header, its index-to-index
 *       array and its one index array (sparse: with FIVE_MINUTELY's 2,048-slot arrays only the pages written to
 *       are allocated, one each for the few thousand entries a small roll file holds), and the last, partly
 *       filled page of entries. Measured here on ext4: a file with one 300-byte entry takes 12 KiB, one with
 *       1,000 takes 315,392 B for 304,000 B of entries;</li>
 *   <li>{@code metadata.cq4t}, Chronicle's table store: {@link #METADATA_BYTES} (measured 4 KiB allocated of
 *       its 128 KiB length).</li>
 * </ul>
 * Any other file counts in full, with no allowance. Sizes are allocated blocks ({@link DiskBlocks}), never lengths:
 * each roll file is 80 MiB long and sparse.
 */
public record LogDirectoryBound(long retainBytes, long rollBytes, int rollFiles) {
  public static final long PAGE = 4096;
  public static final int PAGES_PER_ROLL_FILE = 4;
  public static final long METADATA_BYTES = 2 * PAGE;
  public static final String METADATA = "metadata.cq4t";

  /** The bound for the roll files {@code usage} found. */
  public static LogDirectoryBound of(Usage usage, long retainBytes, long rollBytes) {
    return new LogDirectoryBound(retainBytes, rollBytes, usage.endingWith(".cq4").size());
  }

  public long bytes() {
    return retainBytes + rollBytes + rollFiles * PAGES_PER_ROLL_FILE * PAGE + METADATA_BYTES;
  }

  /** Null when {@code usage} is within the bound, else why not, with every file's size. */
  public String violation(Usage usage) {
    if (usage.allocatedBytes() <= bytes()) {
      return null;
    }
    List<FileUsage> others = usage.files().stream().filter(f -> !f.path().getFileName().toString().endsWith(".cq4")
        && !f.path().getFileName().toString().equals(METADATA)).toList();
    return usage.dir() + " takes " + usage.allocatedBytes() + " B on disk, over " + this + (others.isEmpty() ? ""
        : "; files that are neither roll files nor " + METADATA + ": " + others) + "; " + usage;
  }

  @Override
  public String toString() {
    return bytes() + " B = log.retainBytes " + retainBytes + " + one roll file " + rollBytes + " + Chronicle's header,"
        + " index arrays and last partial page in each of " + rollFiles + " roll files (" + PAGES_PER_ROLL_FILE
        + " x " + PAGE + " B each) + " + METADATA + " " + METADATA_BYTES;
  }

  /** The directory a node keeps its Paxos log in, under its data dir. */
  public static Path paxosDir(Path dataDir) {
    return dataDir.resolve("paxos");
  }
}
