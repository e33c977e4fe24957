package io.paxosql.mysql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NativePasswordTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void storedHashMatchesTheServersPasswordFunction() {
    // SELECT PASSWORD('password') on MariaDB 10.11
    assertEquals("2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19",
        HexFormat.of().withUpperCase().formatHex(NativePassword.storedHash(utf8("password"))));
    assertArrayEquals(NativePassword.storedHash(utf8("password")),
        NativePassword.parseStoredHash("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"));
  }

  @Test
  void scrambleVerifiesOnlyWithTheRightPasswordAndSeed() {
    Random random = new Random(5);
    byte[] seed = new byte[20];
    random.nextBytes(seed);
    byte[] stored = NativePassword.storedHash(utf8("replpw"));
    byte[] response = NativePassword.scramble(utf8("replpw"), seed);
    assertEquals(20, response.length);
    assertTrue(NativePassword.verify(seed, response, stored));
    assertFalse(NativePassword.verify(seed, NativePassword.scramble(utf8("wrong"), seed), stored));
    byte[] otherSeed = seed.clone();
    otherSeed[0] ^= 1;
    assertFalse(NativePassword.verify(otherSeed, response, stored));
    assertFalse(NativePassword.verify(seed, new byte[0], stored));
  }

  @Test
  void emptyPasswordSendsEmptyResponse() {
    assertEquals(0, NativePassword.scramble(new byte[0], new byte[20]).length);
    assertTrue(NativePassword.verify(new byte[20], new byte[0], new byte[0]));
    assertFalse(NativePassword.verify(new byte[20], new byte[20], new byte[0]));
  }
}
