package io.paxosql.config;

/**
 * How large one transaction may be. MariaDB enforces it (max_binlog_cache_size and
 * max_binlog_stmt_cache_size), so a larger transaction fails at the client with MariaDB's own error
 * 1197 before anything reaches the capture, instead of reaching a chain that joins all its parts in
 * the node's heap. Read from {@code mariadb.maxTransactionBytes}.
 *
 * @param maxTransactionBytes binlog bytes of one transaction, 4 KiB to {@link #MAX}
 */
public record TransactionLimits(long maxTransactionBytes) {
  /** What a node carries with a 384-512 MB heap: a split transaction is held whole while its parts are chosen. */
  public static final long DEFAULT = 64L << 20;
  /** Above this, one transaction joined in the chain (plus its encoded copy) would not fit the node's heap. */
  public static final long MAX = 256L << 20;
  /** MariaDB's own minimum for max_binlog_cache_size. */
  public static final long MIN = 4096;
}
