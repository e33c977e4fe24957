package io.paxosql.binlog.capture;

/** A position in the master's binlog: file name and byte offset, what a semi-sync ACK names. */
public record BinlogPosition(String file, long position) {
  @Override
  public String toString() {
    return file + ":" + position;
  }
}
