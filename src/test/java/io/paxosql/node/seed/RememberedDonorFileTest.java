package io.paxosql.node.seed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The donor a seeded node must still tell after a restart: written whole, read back, a damaged file named. */
class RememberedDonorFileTest {
  @TempDir Path dir;

  @Test
  void aWrittenDonorIsReadBackAndNoTempFileStays() throws IOException {
    RememberedDonorFile f = new RememberedDonorFile(dir.resolve("node2"));
    assertEquals(Optional.empty(), f.read(), "nothing remembered before a seed");
    RememberedDonorFile.Donor d = new RememberedDonorFile.Donor(3, 4_294_967_400L, "0-1-170");
    f.write(d);
    assertEquals(Optional.of(d), f.read());
    assertEquals(Optional.of(d), new RememberedDonorFile(dir.resolve("node2")).read(), "as a restarted node reads it");
    try (var files = Files.list(dir.resolve("node2"))) {
      assertEquals(1, files.count(), "only " + RememberedDonorFile.NAME + ", no temp file left");
    }
    RememberedDonorFile.Donor next = new RememberedDonorFile.Donor(1, 12, "0-1-200");
    f.write(next);
    assertEquals(Optional.of(next), f.read(), "a newer seed replaces it");
  }

  @Test
  void itIsForgottenOnlyForTheDonorItStillNames() throws IOException {
    RememberedDonorFile f = new RememberedDonorFile(dir);
    RememberedDonorFile.Donor old = new RememberedDonorFile.Donor(3, 100, "0-1-10");
    RememberedDonorFile.Donor newer = new RememberedDonorFile.Donor(1, 500, "0-1-50");
    f.write(newer);
    assertFalse(f.removeIfNames(old), "an older seed's notice does not forget a newer donor");
    assertEquals(Optional.of(newer), f.read());
    assertTrue(f.removeIfNames(newer));
    assertFalse(Files.exists(f.path()));
    assertFalse(f.removeIfNames(newer), "nothing to remove twice");
  }

  @Test
  void aDamagedFileIsAnErrorNamingItAndWhatIsWrong() throws IOException {
    RememberedDonorFile f = new RememberedDonorFile(dir);
    assertDamaged(f, "", "not a JSON object");
    assertDamaged(f, "{\"donor\": 3, \"holdInstance\": 1", "not a JSON object");
    assertDamaged(f, "[3, 100]", "not a JSON object");
    assertDamaged(f, "{\"holdInstance\": 100, \"gtid\": \"0-1-5\"}", "\"donor\" is null, expected a node id");
    assertDamaged(f, "{\"donor\": \"three\", \"holdInstance\": 100, \"gtid\": \"0-1-5\"}", "\"donor\" is three");
    assertDamaged(f, "{\"donor\": 0, \"holdInstance\": 100, \"gtid\": \"0-1-5\"}", "\"donor\" is 0");
    assertDamaged(f, "{\"donor\": 3, \"holdInstance\": -1, \"gtid\": \"0-1-5\"}", "\"holdInstance\" is -1");
    assertDamaged(f, "{\"donor\": 3, \"holdInstance\": 1.5, \"gtid\": \"0-1-5\"}", "\"holdInstance\" is 1.5");
    assertDamaged(f, "{\"donor\": 3, \"holdInstance\": 100}", "\"gtid\" is null, expected a GTID position");
    assertTrue(f.removeIfNames(new RememberedDonorFile.Donor(3, 100, "0-1-5")), "a damaged file is removed");
    assertFalse(Files.exists(f.path()));
  }

  private static void assertDamaged(RememberedDonorFile f, String content, String what) throws IOException {
    Files.writeString(f.path(), content);
    IOException e = assertThrows(IOException.class, f::read);
    assertTrue(e.getMessage().startsWith(f.path() + " is damaged: "), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
    assertTrue(e.getMessage().contains("mariadb.donorHoldTimeout"), "says what its loss costs: " + e.getMessage());
  }
}
