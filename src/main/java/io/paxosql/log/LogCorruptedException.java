package io.paxosql.log;

/**
 * The log holds an entry that fails its checksum or cannot be decoded. The node must not start on it:
 * serving or voting from damaged state could break agreement. The message names the file and offset.
 */
public final class LogCorruptedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * What an operator may do. Never delete or move the log: it holds this node's promises and accepted
   * values, and a node that forgets them and votes again can let two different values be chosen.
   */
  public static final String ADVICE = "Do not delete or move this log: it holds this node's Paxos promises, and a"
      + " member that forgot them could break agreement. Replace the node instead: remove it from the cluster and"
      + " add it back as a new member with an empty data directory (admin replace-member), which copies the data"
      + " from the others.";

  public LogCorruptedException(String message) {
    super(message);
  }
}
