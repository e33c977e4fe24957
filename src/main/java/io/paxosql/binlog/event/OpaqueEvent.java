package io.paxosql.binlog.event;

/** Any event type this codec does not interpret; its body passes through byte for byte. */
public record OpaqueEvent(int type, byte[] body) implements EventBody {
  @Override
  public byte[] encode() {
    return body.clone();
  }
}
