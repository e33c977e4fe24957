package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void helpSucceedsAndUsageErrorsExitTwo() {
    assertEquals(0, Main.execute("--help"));
    assertEquals(Main.EXIT_USAGE, Main.execute("no-such-command"));
    assertEquals(Main.EXIT_USAGE, Main.execute("--no-such-flag"));
    assertEquals(Main.EXIT_USAGE, Main.execute());
    assertEquals(Main.EXIT_USAGE, Main.execute("node"), "node without --config");
  }
}
