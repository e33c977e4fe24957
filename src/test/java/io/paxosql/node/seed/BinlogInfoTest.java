package io.paxosql.node.seed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BinlogInfoTest {
  @Test
  void readsTheFileMariadbBackupWrites() {
    BinlogInfo i = BinlogInfo.parseFile("mysql-bin.000001\t841\t0-1-3\n");
    assertEquals(new BinlogInfo("mysql-bin.000001", 841, "0-1-3"), i);
    assertEquals("0-8194-152,1-2-7", BinlogInfo.parseFile("mysql-bin.000004 12 0-8194-152,1-2-7").gtid());
  }

  @Test
  void aServerWithoutTransactionsHasAnEmptyGtid() {
    assertEquals("", BinlogInfo.parseFile("mysql-bin.000001\t328\n").gtid());
  }

  @Test
  void refusesWhatIsNotABinlogInfoLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BinlogInfo.parseFile("mysql-bin.000001 x 0-1-3"));
    assertTrue(e.getMessage().contains("not a mariadb-backup binlog info line"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BinlogInfo.parseFile("mysql-bin.000001 5 zero"));
  }

  @Test
  void findsTheLastPositionLineInTheLog() {
    String log = "[00] 2026-12-06 20:26:51 Streaming xtrabackup_binlog_info\n"
        + "[00] 2026-12-06 20:26:51 MySQL binlog position: filename 'mysql-bin.000001', position '841', "
        + "GTID of the last change '0-1-3'\n[00] completed OK!\n";
    assertEquals(Optional.of(new BinlogInfo("mysql-bin.000001", 841, "0-1-3")), BinlogInfo.fromLog(log));
    assertEquals(Optional.empty(), BinlogInfo.fromLog("[00] completed OK!"));
  }
}
