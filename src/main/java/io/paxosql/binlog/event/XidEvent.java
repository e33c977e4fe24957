package io.paxosql.binlog.event;

/** Xid (16): the commit of a transactional event group. */
public record XidEvent(long xid) implements EventBody {
  static XidEvent decode(BodyReader r) {
    long xid = r.u64("xid");
    r.expectEnd();
    return new XidEvent(xid);
  }

  @Override
  public int type() {
    return EventType.XID;
  }

  @Override
  public byte[] encode() {
    return new BodyWriter(8).u64(xid).toArray();
  }
}
