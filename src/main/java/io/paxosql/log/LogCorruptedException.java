package io.paxosql.log;

/**
 * The log holds an entry that fails its checksum or cannot be decoded. The node must not start on it:
 * serving or voting from damaged state could break agreement. The message names the file and offset.
 */
public final class LogCorruptedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogCorruptedException(String message) {
    super(message);
  }
}
