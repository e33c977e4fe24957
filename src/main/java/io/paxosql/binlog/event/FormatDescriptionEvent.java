package io.paxosql.binlog.event;

import java.nio.charset.StandardCharsets;

/**
 * Format_description (15): binlog version, server version (a NUL-padded 50-byte field), creation
 * time, common header length, one post-header length per event type, and the checksum algorithm
 * (0 off, 1 CRC32) of the events that follow.
 */
public record FormatDescriptionEvent(int binlogVersion, String serverVersion, long createTimestamp,
    int headerLength, byte[] postHeaderLengths, int checksumAlgorithm) implements EventBody {
  static final int SERVER_VERSION_LEN = 50;
  public static final int CHECKSUM_OFF = 0;
  public static final int CHECKSUM_CRC32 = 1;

  static FormatDescriptionEvent decode(BodyReader r) {
    int version = r.u16("binlog version");
    byte[] sv = r.bytes(SERVER_VERSION_LEN, "server version");
    int nul = 0;
    while (nul < sv.length && sv[nul] != 0) {
      nul++;
    }
    for (int i = nul; i < sv.length; i++) {
      if (sv[i] != 0) {
        throw new EventFormatException("Format_description event: server version field has bytes after its NUL");
      }
    }
    long created = r.u32("create timestamp");
    int headerLen = r.u8("header length");
    byte[] post = r.bytes(r.remaining() - 1, "post-header lengths");
    int alg = r.u8("checksum algorithm");
    return new FormatDescriptionEvent(version, new String(sv, 0, nul, StandardCharsets.ISO_8859_1), created,
        headerLen, post, alg);
  }

  @Override
  public int type() {
    return EventType.FORMAT_DESCRIPTION;
  }

  @Override
  public byte[] encode() {
    byte[] sv = new byte[SERVER_VERSION_LEN];
    byte[] name = serverVersion.getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(name, 0, sv, 0, Math.min(name.length, SERVER_VERSION_LEN));
    return new BodyWriter(64 + postHeaderLengths.length).u16(binlogVersion).bytes(sv).u32(createTimestamp)
        .u8(headerLength).bytes(postHeaderLengths).u8(checksumAlgorithm).toArray();
  }
}
