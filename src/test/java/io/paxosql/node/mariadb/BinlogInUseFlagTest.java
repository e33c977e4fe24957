package io.paxosql.node.mariadb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinlogInUseFlagTest {
  @TempDir
  Path dir;

  /** Magic, then a format description event header (type 15) with the given flags byte. */
  private Path binlog(String name, int flags) throws IOException {
    byte[] b = new byte[64];
    b[0] = (byte) 0xfe;
    b[1] = 'b';
    b[2] = 'i';
    b[3] = 'n';
    b[4 + 4] = 15;
    b[4 + 17] = (byte) flags;
    b[4 + 18] = 0x7f;
    return Files.write(dir.resolve(name), b);
  }

  @Test
  void setsOnlyTheInUseBitOfTheLastFileTheIndexNames() throws IOException {
    binlog("mysql-bin.000001", 0);
    Path last = binlog("mysql-bin.000002", 0x40);
    Path index = Files.writeString(dir.resolve("mysql-bin.index"), "./mysql-bin.000001\n./mysql-bin.000002\n");
    assertEquals(last, BinlogInUseFlag.lastBinlog(dir, index));
    assertFalse(BinlogInUseFlag.isSet(last));
    BinlogInUseFlag.set(last);
    assertTrue(BinlogInUseFlag.isSet(last));
    byte[] after = Files.readAllBytes(last);
    assertEquals(0x41, after[4 + 17]);
    assertEquals(0x7f, after[4 + 18]);
  }

  @Test
  void refusesWhatIsNotABinlogOrIsMissing() throws IOException {
    Path text = Files.writeString(dir.resolve("mysql-bin.000003"), "not a binlog at all, just some text here");
    IOException e = assertThrows(IOException.class, () -> BinlogInUseFlag.set(text));
    assertTrue(e.getMessage().contains("does not start like a binlog"), e.getMessage());
    Path index = Files.writeString(dir.resolve("mysql-bin.index"), "./mysql-bin.000009\n");
    e = assertThrows(IOException.class, () -> BinlogInUseFlag.lastBinlog(dir, index));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
