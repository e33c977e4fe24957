package io.paxosql.binlog.server;

import io.paxosql.binlog.event.FormatDescriptionEvent;
import java.util.HexFormat;

/**
 * The Format_description a MariaDB 10.11 master sends. A replica parses every later event with the
 * post-header lengths given here, so they must be the ones of the server that wrote the events:
 * these are MariaDB 10.11.19's, read from the captured stream (shared/notes/mariadb-captures).
 */
final class MariaDbFormat {
  static final String SERVER_VERSION = "10.11.19-MariaDB-paxosql-log";
  private static final byte[] POST_HEADER_LENGTHS = HexFormat.of().parseHex(
      "380d000800120004040404120000e400041a08000000080808020000000a0a0a0000000000000a0a0a00000000000000"
          + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
          + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
          + "00000000000000000000000000000000041304000d0808080a0a0a");

  private MariaDbFormat() {}

  static FormatDescriptionEvent formatDescription(long createTimestamp) {
    return new FormatDescriptionEvent(4, SERVER_VERSION, createTimestamp, 19, POST_HEADER_LENGTHS.clone(),
        FormatDescriptionEvent.CHECKSUM_CRC32);
  }
}
