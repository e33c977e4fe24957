package io.paxosql.binlog.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.Captures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventCodecTest {

  @Test
  void everyCapturedEventRoundTripsByteForByte() {
    List<byte[]> events = Captures.events();
    assertEquals(22, events.size(), "events in payloads.tsv");
    for (byte[] raw : events) {
      BinlogEvent e = EventCodec.decode(raw, true);
      assertArrayEquals(raw, EventCodec.encode(e, true), () -> "round trip of " + e);
    }
  }

  @Test
  void capturedEventsDecodeToTheirTypes() {
    List<Integer> types = new ArrayList<>();
    List<BinlogEvent> decoded = new ArrayList<>();
    for (byte[] raw : Captures.events()) {
      BinlogEvent e = EventCodec.decode(raw, true);
      types.add(e.type());
      decoded.add(e);
    }
    assertEquals(List.of(4, 15, 163, 161, 162, 2, 162, 2, 162, 2, 162, 2, 162, 160, 19, 23, 16, 162, 160, 19, 23, 16),
        types);
    RotateEvent rotate = (RotateEvent) decoded.get(0).body();
    assertEquals(4, rotate.position());
    assertEquals("mysql-bin.000001", rotate.fileName());
    assertTrue(decoded.get(0).header().artificial());
    FormatDescriptionEvent fde = (FormatDescriptionEvent) decoded.get(1).body();
    assertEquals(4, fde.binlogVersion());
    assertEquals("10.11.19-MariaDB-0+deb12u1-log", fde.serverVersion());
    assertEquals(19, fde.headerLength());
    assertEquals(FormatDescriptionEvent.CHECKSUM_CRC32, fde.checksumAlgorithm());
    assertEquals(new BinlogCheckpointEvent("mysql-bin.000001"), decoded.get(3).body());
    GtidEvent ddl = (GtidEvent) decoded.get(4).body();
    assertEquals(new Gtid(0, 1, 1), ddl.gtid(decoded.get(4).header().serverId()));
    assertTrue(ddl.standalone());
    GtidEvent dml = (GtidEvent) decoded.get(12).body();
    assertEquals("0-1-5", dml.gtid(1).toString());
    assertTrue(!dml.standalone() && (dml.flags2() & GtidEvent.FL_TRANSACTIONAL) != 0);
    assertTrue(((QueryEvent) decoded.get(5).body()).sql().startsWith("CREATE USER 'repl'@'127.0.0.1'"));
    assertEquals("INSERT INTO demo.t(v) VALUES ('before-replica')",
        ((AnnotateRowsEvent) decoded.get(13).body()).sql());
    TableMapEvent map = (TableMapEvent) decoded.get(14).body();
    assertEquals("demo", map.schema());
    assertEquals("t", map.table());
    assertEquals(3, map.columnCount());
    RowsEvent rows = (RowsEvent) decoded.get(15).body();
    assertEquals(map.tableId(), rows.tableId());
    assertEquals(3, rows.columnCount());
    assertEquals(RowsEvent.FLAG_STMT_END, rows.flags() & RowsEvent.FLAG_STMT_END);
    assertInstanceOf(XidEvent.class, decoded.get(16).body());
    assertEquals(1326, decoded.get(16).header().logPos());
  }

  @Test
  void aFlippedBitFailsTheChecksumWithAClearMessage() {
    byte[] raw = Captures.events().get(15).clone();
    raw[25] ^= 0x04;
    EventFormatException e = assertThrows(EventFormatException.class, () -> EventCodec.decode(raw, true));
    assertTrue(e.getMessage().contains("Write_rows_v1 event at log_pos 1295: checksum mismatch"), e.getMessage());
  }

  @Test
  void aSizeThatDisagreesWithTheHeaderIsRejected() {
    byte[] raw = Captures.events().get(4);
    byte[] cut = Arrays.copyOf(raw, raw.length - 1);
    EventFormatException e = assertThrows(EventFormatException.class, () -> EventCodec.decode(cut, true));
    assertTrue(e.getMessage().contains("header says 42 bytes but 41 were given"), e.getMessage());
  }

  @Test
  void restampMovesLogPosAndKeepsTheChecksumValid() {
    byte[] raw = Captures.events().get(16);
    byte[] moved = Checksum.restamp(raw, 999_999);
    BinlogEvent e = EventCodec.decode(moved, true);
    assertEquals(999_999, e.header().logPos());
    assertEquals(EventCodec.decode(raw, true).body(), e.body());
  }

  @Test
  void generatedEventsMatchWhatTheMasterSent() {
    byte[] rotate = EventCodec.build(0, 1, 0, EventHeader.FLAG_ARTIFICIAL,
        new RotateEvent(4, "mysql-bin.000001"), true);
    assertArrayEquals(Captures.events().get(0), rotate);
    byte[] list = EventCodec.build(0, 1, 1570, EventHeader.FLAG_ARTIFICIAL,
        new GtidListEvent(0, List.of(new Gtid(0, 1, 6))), true);
    BinlogEvent back = EventCodec.decode(list, true);
    assertEquals(List.of(Gtid.parse("0-1-6")), ((GtidListEvent) back.body()).gtids());
    assertEquals(43, list.length);
  }

  @Test
  void unknownTypesPassThroughOpaque() {
    byte[] ev = EventCodec.build(7, 1, 100, 0, new OpaqueEvent(EventType.XA_PREPARE, new byte[] {1, 2, 3}), true);
    BinlogEvent e = EventCodec.decode(ev, true);
    assertInstanceOf(OpaqueEvent.class, e.body());
    assertArrayEquals(ev, EventCodec.encode(e, true));
  }

  @Test
  void gtidParsingNamesTheExpectedForm() {
    assertEquals(new Gtid(0, 1, 42), Gtid.parse("0-1-42"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gtid.parse("0-1"));
    assertTrue(e.getMessage().contains("expected domain-server-sequence"));
  }
}
