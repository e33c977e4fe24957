package io.paxosql.binlog.event;

import java.util.ArrayList;
import java.util.List;

/**
 * Gtid_list (163): the binlog state (last GTID per domain and server) at a point in the log. The
 * copy at the head of a binlog file carries trailing padding, kept in {@code tail}.
 */
public record GtidListEvent(int flags, List<Gtid> gtids, byte[] tail) implements EventBody {
  public GtidListEvent {
    gtids = List.copyOf(gtids);
  }

  public GtidListEvent(int flags, List<Gtid> gtids) {
    this(flags, gtids, new byte[0]);
  }

  static GtidListEvent decode(BodyReader r) {
    long word = r.u32("count");
    int count = (int) (word & 0x0fffffffL);
    if (count * 16L > r.remaining()) {
      throw new EventFormatException("Gtid_list event: count " + count + " does not match " + r.remaining()
          + " bytes of entries");
    }
    List<Gtid> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long domain = r.u32("domain id");
      long server = r.u32("server id");
      list.add(new Gtid(domain, server, r.u64("sequence number")));
    }
    return new GtidListEvent((int) (word >>> 28), list, r.rest());
  }

  @Override
  public int type() {
    return EventType.GTID_LIST;
  }

  @Override
  public byte[] encode() {
    BodyWriter w = new BodyWriter(4 + 16 * gtids.size() + tail.length).u32(((long) flags << 28) | gtids.size());
    for (Gtid g : gtids) {
      w.u32(g.domainId()).u32(g.serverId()).u64(g.seqNo());
    }
    return w.bytes(tail).toArray();
  }
}
