package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * OK: a command succeeded. The header is 0x00, or 0xFE when it replaces EOF for a client with
 * {@link Capabilities#DEPRECATE_EOF}. What follows the status depends on the capabilities the
 * connection agreed on, so decode and encode take them.
 *
 * @param info human-readable text ("Rows matched: 1 ..."), empty when none
 * @param sessionStateChanges raw session-tracking data, null unless
 *     {@link ServerStatus#SESSION_STATE_CHANGED} is set with {@link Capabilities#SESSION_TRACK}
 */
public record OkPacket(int header, long affectedRows, long lastInsertId, int statusFlags,
    int warnings, String info, Bytes sessionStateChanges) {

  public static final int HEADER = 0x00;
  public static final int EOF_HEADER = 0xFE;

  public OkPacket {
    if (header != HEADER && header != EOF_HEADER) {
      throw new IllegalArgumentException(String.format("OK header must be 0x00 or 0xFE, got 0x%02X",
          header));
    }
    Objects.requireNonNull(info, "info");
  }

  /** A plain OK as a server sends it after a statement without a result set. */
  public static OkPacket of(long affectedRows, long lastInsertId, int statusFlags, int warnings) {
    return new OkPacket(HEADER, affectedRows, lastInsertId, statusFlags, warnings, "", null);
  }

  /** True for an OK packet; a 0xFE header counts only when long enough not to be an EOF. */
  public static boolean matches(Buffer payload) {
    if (payload.length() == 0) {
      return false;
    }
    int h = payload.getUnsignedByte(0);
    return (h == HEADER && payload.length() >= 7) || (h == EOF_HEADER && payload.length() >= 9);
  }

  public static OkPacket decode(Buffer payload, long capabilities) {
    PayloadReader r = new PayloadReader(payload);
    int header = r.int1();
    if (header != HEADER && header != EOF_HEADER) {
      throw new ProtocolException(String.format("expected an OK packet (0x00 or 0xFE) but got 0x%02X"
          + " in a %d-byte packet", header, payload.length()));
    }
    long affected = r.lenencInt();
    long insertId = r.lenencInt();
    int status = 0;
    int warnings = 0;
    if (Capabilities.has(capabilities, Capabilities.PROTOCOL_41)) {
      status = r.int2();
      warnings = r.int2();
    } else if (Capabilities.has(capabilities, Capabilities.TRANSACTIONS)) {
      status = r.int2();
    }
    String info = "";
    Bytes session = null;
    if (Capabilities.has(capabilities, Capabilities.SESSION_TRACK)) {
      if (r.hasRemaining()) {
        info = r.lenencString();
        if ((status & ServerStatus.SESSION_STATE_CHANGED) != 0) {
          session = r.lenencBytes();
        }
      }
    } else {
      info = r.restString();
    }
    r.expectEnd("OK packet");
    return new OkPacket(header, affected, insertId, status, warnings, info, session);
  }

  public Buffer encode(long capabilities) {
    PayloadWriter w = new PayloadWriter(16 + info.length());
    w.int1(header).lenencInt(affectedRows).lenencInt(lastInsertId);
    if (Capabilities.has(capabilities, Capabilities.PROTOCOL_41)) {
      w.int2(statusFlags).int2(warnings);
    } else if (Capabilities.has(capabilities, Capabilities.TRANSACTIONS)) {
      w.int2(statusFlags);
    }
    if (Capabilities.has(capabilities, Capabilities.SESSION_TRACK)) {
      if (!info.isEmpty() || sessionStateChanges != null) {
        w.lenencString(info);
        if (sessionStateChanges != null) {
          w.lenencBytes(sessionStateChanges);
        }
      }
    } else {
      w.restString(info);
    }
    return w.payload();
  }
}
