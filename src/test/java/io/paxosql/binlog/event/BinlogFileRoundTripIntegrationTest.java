package io.paxosql.binlog.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.TransactionParser;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every event a real MariaDB 10.11 writes for a mixed workload decodes, re-encodes byte for byte, and groups. */
class BinlogFileRoundTripIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  @Test
  void everyEventOfARealBinlogRoundTripsAndEveryGtidGroupsIntoOneTransaction() throws Exception {
    MariaDbServer a = servers.start("codec", b -> b.set("max_binlog_size", "65536"));
    try (Connection c = Sql.root(a)) {
      Sql.exec(c, "CREATE DATABASE w");
      Sql.exec(c, "CREATE TABLE w.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(200), d DECIMAL(10,2), "
          + "j JSON, b BLOB, ts TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB");
      Sql.exec(c, "CREATE TABLE w.m (id INT PRIMARY KEY, v TEXT) ENGINE=Aria TRANSACTIONAL=0");
      for (int i = 0; i < 300; i++) {
        Sql.exec(c, "INSERT INTO w.t (v, d, j, b) VALUES (REPEAT('x', " + (i % 150) + "), " + i + ".25, "
            + "'{\"k\": " + i + "}', UNHEX('00ff" + String.format("%04x", i) + "'))");
      }
      Sql.exec(c, "UPDATE w.t SET v = CONCAT(v, 'u') WHERE id % 3 = 0");
      Sql.exec(c, "DELETE FROM w.t WHERE id % 5 = 0");
      Sql.exec(c, "INSERT INTO w.m VALUES (1, 'myisam-like'), (2, 'second')");
      c.setAutoCommit(false);
      Sql.exec(c, "INSERT INTO w.t (v) VALUES ('multi-1')");
      Sql.exec(c, "UPDATE w.t SET d = d + 1 WHERE id < 10");
      Sql.exec(c, "DELETE FROM w.t WHERE id = 11");
      c.commit();
      Sql.exec(c, "INSERT INTO w.t (v) VALUES ('rolled back')");
      c.rollback();
      c.setAutoCommit(true);
      Sql.exec(c, "XA START 'xa1'");
      Sql.exec(c, "INSERT INTO w.t (v) VALUES ('xa')");
      Sql.exec(c, "XA END 'xa1'");
      Sql.exec(c, "XA PREPARE 'xa1'");
      Sql.exec(c, "XA COMMIT 'xa1'");
      Sql.exec(c, "ALTER TABLE w.t ADD COLUMN extra INT NULL");
      Sql.exec(c, "CREATE TABLE w.c AS SELECT id, v FROM w.t WHERE id < 50");
      Sql.exec(c, "DROP TABLE w.c");
      Sql.exec(c, "FLUSH BINARY LOGS");
    }
    Path data = a.config().dataDir();
    List<Path> files;
    try (Stream<Path> s = Files.list(data)) {
      files = s.filter(p -> p.getFileName().toString().matches("mysql-bin\\.\\d{6}")).sorted().toList();
    }
    assertTrue(files.size() >= 2, "the workload should span several binlog files: " + files);
    int events = 0;
    Set<Integer> types = new HashSet<>();
    List<Gtid> gtidEvents = new ArrayList<>();
    List<Gtid> grouped = new ArrayList<>();
    TransactionParser parser = new TransactionParser(true, files.get(0).getFileName().toString());
    for (Path f : files) {
      for (byte[] raw : BinlogFile.read(f)) {
        BinlogEvent e = EventCodec.decode(raw, true);
        assertArrayEquals(raw, EventCodec.encode(e, true), () -> f + ": " + e);
        types.add(e.type());
        if (e.body() instanceof GtidEvent g) {
          gtidEvents.add(g.gtid(e.header().serverId()));
        }
        parser.accept(raw).map(Transaction::gtid).ifPresent(grouped::add);
        events++;
      }
    }
    assertTrue(events > 900, "events read: " + events);
    assertTrue(types.containsAll(List.of(EventType.FORMAT_DESCRIPTION, EventType.GTID_LIST,
        EventType.BINLOG_CHECKPOINT, EventType.GTID, EventType.QUERY, EventType.TABLE_MAP, EventType.WRITE_ROWS_V1,
        EventType.UPDATE_ROWS_V1, EventType.DELETE_ROWS_V1, EventType.XID, EventType.ANNOTATE_ROWS,
        EventType.ROTATE)), "types seen: " + types);
    assertEquals(gtidEvents, grouped, "every GTID group comes out whole, once, in order");
  }
}
