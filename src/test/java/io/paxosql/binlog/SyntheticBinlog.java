package io.paxosql.binlog;

import io.paxosql.binlog.event.AnnotateRowsEvent;
import io.paxosql.binlog.event.EventBody;
import io.paxosql.binlog.event.EventCodec;
import io.paxosql.binlog.event.EventType;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.event.GtidEvent;
import io.paxosql.binlog.event.HeartbeatEvent;
import io.paxosql.binlog.event.OpaqueEvent;
import io.paxosql.binlog.event.QueryEvent;
import io.paxosql.binlog.event.RowsEvent;
import io.paxosql.binlog.event.TableMapEvent;
import io.paxosql.binlog.event.XidEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generates checksummed event groups of every shape the boundary parser knows, with running log_pos. */
public final class SyntheticBinlog {
  public static final String FILE = "mysql-bin.000001";
  private final Random rnd;
  private long pos = 4;
  private long seq = 0;
  private long commitId = 100;

  public SyntheticBinlog(Random rnd) {
    this.rnd = rnd;
  }

  private byte[] event(long serverId, EventBody body) {
    byte[] probe = EventCodec.build(1_700_000_000L, serverId, 0, 0, body, true);
    pos += probe.length;
    return EventCodec.build(1_700_000_000L, serverId, pos, 0, body, true);
  }

  private static QueryEvent query(String sql) {
    return new QueryEvent(7, 0, 0, new byte[] {0, 0, 0, 0, 0}, "demo", sql.getBytes(StandardCharsets.UTF_8));
  }

  public byte[] heartbeat() {
    return EventCodec.build(0, 1, pos, 0, new HeartbeatEvent(FILE), true);
  }

  /** A random whole transaction: DML ending in Xid, standalone DDL, non-transactional COMMIT, or XA. */
  public Transaction next() {
    long server = 1 + rnd.nextInt(2);
    Gtid gtid = new Gtid(0, server, ++seq);
    List<byte[]> events = new ArrayList<>();
    int shape = rnd.nextInt(5);
    int flags = switch (shape) {
      case 0 -> GtidEvent.FL_TRANSACTIONAL | GtidEvent.FL_ALLOW_PARALLEL;
      case 1 -> GtidEvent.FL_STANDALONE | GtidEvent.FL_DDL | GtidEvent.FL_ALLOW_PARALLEL;
      case 2 -> GtidEvent.FL_ALLOW_PARALLEL;
      case 3 -> GtidEvent.FL_PREPARED_XA | GtidEvent.FL_TRANSACTIONAL;
      default -> GtidEvent.FL_COMPLETED_XA | GtidEvent.FL_TRANSACTIONAL;
    };
    boolean group = rnd.nextBoolean();
    if (group) {
      flags |= GtidEvent.FL_GROUP_COMMIT_ID;
    }
    events.add(event(server, new GtidEvent(seq, 0, flags, group ? commitId : 0, group ? new byte[0] : new byte[6])));
    switch (shape) {
      case 1 -> events.add(event(server, query("CREATE TABLE t" + seq + " (id INT PRIMARY KEY)")));
      case 4 -> events.add(event(server, query("XA COMMIT 'x" + seq + "'")));
      default -> {
        int statements = 1 + rnd.nextInt(3);
        for (int s = 0; s < statements; s++) {
          events.add(event(server, new AnnotateRowsEvent("INSERT INTO demo.t VALUES (1)".getBytes(StandardCharsets.UTF_8))));
          events.add(event(server, new TableMapEvent(42, 1, "demo", "t", 2, new byte[] {3, 15, 2, 100, 0, 2})));
          int type = EventType.WRITE_ROWS_V1 + rnd.nextInt(3);
          byte[] rows = new byte[1 + rnd.nextInt(40)];
          rnd.nextBytes(rows);
          events.add(event(server, new RowsEvent(type, 42, RowsEvent.FLAG_STMT_END, 2, rows)));
        }
        if (shape == 0) {
          events.add(event(server, new XidEvent(rnd.nextLong())));
        } else if (shape == 2) {
          events.add(event(server, query(rnd.nextBoolean() ? "COMMIT" : "ROLLBACK")));
        } else {
          events.add(event(server, query("XA END 'x" + seq + "'")));
          events.add(event(server, new OpaqueEvent(EventType.XA_PREPARE, new byte[] {0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 'x', '1'})));
        }
      }
    }
    if (rnd.nextInt(8) == 0) {
      commitId++;
    }
    return new Transaction(gtid, events, FILE, pos);
  }
}
