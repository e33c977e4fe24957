package io.paxosql.node.secret;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * A secret kept in one small file readable by its owner only (mode 0600): the admin token, MariaDB's
 * root password, the replication password. Created once with random bytes (hex, so it is safe in SQL,
 * YAML and HTTP headers alike); read at every start. A file that others may read is refused, as ssh
 * refuses a private key with loose permissions: a secret everyone on the host can read is none.
 */
public final class SecretFile {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  /** 32 random bytes: 256 bits, beyond guessing whatever the rate of tries. */
  public static final int DEFAULT_BYTES = 32;

  private SecretFile() {}

  /** Reads the secret in {@code file}, creating it first (0600, fsynced) when it does not exist. */
  public static String readOrCreate(Path file) {
    if (!Files.exists(file)) {
      create(file);
    }
    return read(file);
  }

  /** Reads an existing secret; a missing, empty or world/group-readable file is refused with the fix. */
  public static String read(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        throw new SecretFileException(file + " may be read by other users (mode "
            + PosixFilePermissions.toString(perms) + "): run chmod 600 " + file);
      }
      String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (secret.isEmpty()) {
        throw new SecretFileException(file + " is empty: delete it to have a new secret generated, "
            + "or write the secret into it");
      }
      return secret;
    } catch (NoSuchFileException e) {
      throw new SecretFileException(file + " does not exist: it is created by the node at its first start; "
          + "check the path (it lives in the node's dataDir)");
    } catch (AccessDeniedException e) {
      throw new SecretFileException(file + " cannot be read by user " + System.getProperty("user.name")
          + ": run as the user that runs the node");
    } catch (IOException e) {
      throw new SecretFileException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Writes {@code secret} to {@code file} (0600 from its creation, fsynced, renamed into place). */
  public static void write(Path file, String secret) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(StandardCharsets.UTF_8.encode(secret + "\n"));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new SecretFileException("cannot write " + file + ": " + e.getMessage()
          + "; make sure its directory is writable by the user running the node");
    }
  }

  /** A new random secret: {@code bytes} random bytes as lower-case hex. */
  public static String random(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return HexFormat.of().formatHex(raw);
  }

  private static void create(Path file) {
    write(file, random(DEFAULT_BYTES));
  }
}
