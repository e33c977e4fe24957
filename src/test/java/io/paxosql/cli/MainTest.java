package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  @Test
  void helpSucceedsAndUsageErrorsExitTwo() {
    assertEquals(0, Main.execute("--help"));
    assertEquals(Main.EXIT_USAGE, Main.execute("no-such-command"));
    assertEquals(Main.EXIT_USAGE, Main.execute("--no-such-flag"));
    assertEquals(Main.EXIT_USAGE, Main.execute());
    assertEquals(Main.EXIT_USAGE, Main.execute("node"), "node without --config");
  }

  @Test
  void readyAndInitWithAConfigThatDoesNotLoadAreUsageErrorsNamingIt() {
    String missing = dir.resolve("no-such-node.yaml").toString();
    for (String[] args : new String[][] {{"ready", "--config", missing}, {"init", "--from-backup", dir.toString(),
        "--config", missing}}) {
      StringWriter err = new StringWriter();
      int code = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
      assertEquals(Main.EXIT_USAGE, code, args[0] + ": " + err);
      assertTrue(err.toString().contains("--config: ") && err.toString().contains(missing), args[0] + ": " + err);
    }
  }
}
