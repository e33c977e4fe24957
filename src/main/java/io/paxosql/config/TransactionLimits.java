package io.paxosql.config;

/**
 * How large one transaction may be. MariaDB enforces it (max_binlog_cache_size and
 * max_binlog_stmt_cache_size), so a larger transaction fails at the client with MariaDB's own error
 * 1197 before anything reaches the capture. No node holds a big transaction whole in its heap (the
 * capture spools it to a temporary file, the chain streams its parts), so the bound is the disk's and
 * the virtual binlog's 32-bit positions, not the heap's. Read from {@code mariadb.maxTransactionBytes}.
 *
 * @param maxTransactionBytes binlog bytes of one transaction, 4 KiB to {@link #MAX}
 */
public record TransactionLimits(long maxTransactionBytes) {
  /** What a node carries unless configured otherwise (a bigger one takes the cluster's log for that long). */
  public static final long DEFAULT = 64L << 20;
  /** A binlog position is 32-bit: past the binlog server's 1 GiB rotation point one transaction must still end below 4 GiB. */
  public static final long MAX = 2L << 30;
  /** MariaDB's own minimum for max_binlog_cache_size. */
  public static final long MIN = 4096;
}
