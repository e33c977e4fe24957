package io.paxosql.binlog.event;

/**
 * Gtid (162): starts an event group. The GTID's server id is the event header's. With
 * FL_GROUP_COMMIT_ID the body carries the master's group-commit id (groups sharing it may apply in
 * parallel); what follows (zero padding, an XA xid, extra flags) is kept raw in {@code tail}.
 */
public record GtidEvent(long seqNo, long domainId, int flags2, long commitId, byte[] tail) implements EventBody {
  public static final int FL_STANDALONE = 0x01;
  public static final int FL_GROUP_COMMIT_ID = 0x02;
  public static final int FL_TRANSACTIONAL = 0x04;
  public static final int FL_ALLOW_PARALLEL = 0x08;
  public static final int FL_WAITED = 0x10;
  public static final int FL_DDL = 0x20;
  public static final int FL_PREPARED_XA = 0x40;
  public static final int FL_COMPLETED_XA = 0x80;

  static GtidEvent decode(BodyReader r) {
    long seq = r.u64("sequence number");
    long domain = r.u32("domain id");
    int flags = r.u8("flags2");
    long commit = (flags & FL_GROUP_COMMIT_ID) != 0 ? r.u64("commit id") : 0;
    return new GtidEvent(seq, domain, flags, commit, r.rest());
  }

  public Gtid gtid(long serverId) {
    return new Gtid(domainId, serverId, seqNo);
  }

  public boolean standalone() {
    return (flags2 & FL_STANDALONE) != 0;
  }

  public boolean hasCommitId() {
    return (flags2 & FL_GROUP_COMMIT_ID) != 0;
  }

  public boolean preparedXa() {
    return (flags2 & FL_PREPARED_XA) != 0;
  }

  public boolean completedXa() {
    return (flags2 & FL_COMPLETED_XA) != 0;
  }

  @Override
  public int type() {
    return EventType.GTID;
  }

  @Override
  public byte[] encode() {
    BodyWriter w = new BodyWriter(21 + tail.length).u64(seqNo).u32(domainId).u8(flags2);
    if (hasCommitId()) {
      w.u64(commitId);
    }
    return w.bytes(tail).toArray();
  }
}
