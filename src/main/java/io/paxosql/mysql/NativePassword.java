package io.paxosql.mysql;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * mysql_native_password: the client proves it knows the password without sending it.
 * response = SHA1(password) XOR SHA1(seed + SHA1(SHA1(password))). The server stores only
 * SHA1(SHA1(password)) (shown as "*HEX" in mysql.user), which is enough to verify.
 */
public final class NativePassword {
  public static final String PLUGIN = "mysql_native_password";
  public static final int SEED_LENGTH = 20;

  private NativePassword() {}

  /** The auth response for {@code password} (empty for an empty password). */
  public static byte[] scramble(byte[] password, byte[] seed) {
    if (password.length == 0) {
      return new byte[0];
    }
    byte[] stage1 = sha1(password);
    byte[] stage2 = sha1(stage1);
    byte[] mask = sha1(seed, stage2);
    return xor(stage1, mask);
  }

  /** SHA1(SHA1(password)): what a server keeps to verify responses. */
  public static byte[] storedHash(byte[] password) {
    return sha1(sha1(password));
  }

  /** Parses the "*" + 40 hex digits form found in mysql.user / SHOW GRANTS. */
  public static byte[] parseStoredHash(String text) {
    if (text.length() != 41 || text.charAt(0) != '*') {
      throw new IllegalArgumentException("a mysql_native_password hash is '*' and 40 hex digits, got '"
          + text + "'");
    }
    return HexFormat.of().parseHex(text, 1, 41);
  }

  /**
   * True when {@code response} proves knowledge of the password whose {@link #storedHash} is
   * {@code stored}. An empty stored hash stands for an empty password.
   */
  public static boolean verify(byte[] seed, byte[] response, byte[] stored) {
    if (stored.length == 0) {
      return response.length == 0;
    }
    if (response.length != 20 || stored.length != 20) {
      return false;
    }
    byte[] stage1 = xor(response, sha1(seed, stored));
    return MessageDigest.isEqual(sha1(stage1), stored);
  }

  private static byte[] xor(byte[] a, byte[] b) {
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) (a[i] ^ b[i]);
    }
    return out;
  }

  private static byte[] sha1(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-1", e);
    }
  }
}
