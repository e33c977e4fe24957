package io.paxosql.node.seed;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Which donor a seeded node must tell once it caught up from its backup, kept in the node's data dir so a
 * restart between the install and "caught up" does not forget it (that donor holds its log for this node
 * until told, or until its {@code mariadb.donorHoldTimeout}). Written before the backup becomes the datadir,
 * atomically (temp file, fsync, rename, fsync of the directory), and removed once the donor answered the
 * notice or the node gave up telling it. Blocking: call it off the event loop.
 */
public final class RememberedDonorFile {
  public static final String NAME = "seed-donor.json";

  /**
   * The donor of the backup this node's MariaDB runs from, and where it holds its log for this node.
   *
   * @param donor the member that sent the backup
   * @param holdInstance where that member holds its log: this node tells it once its log is applied past it
   * @param gtid the backup's GTID (for logs and status)
   */
  public record Donor(int donor, long holdInstance, String gtid) {}

  private final Path file;

  /** @param dataDir the node's data dir ({@code dataDir} of its config) */
  public RememberedDonorFile(Path dataDir) {
    this.file = dataDir.resolve(NAME);
  }

  public Path path() {
    return file;
  }

  public void write(Donor d) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(NAME + ".tmp");
    byte[] bytes = new JsonObject().put("donor", d.donor()).put("holdInstance", d.holdInstance())
        .put("gtid", d.gtid()).encodePrettily().getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDir();
  }

  /**
   * The donor remembered, if any. A file that cannot be read or does not hold one is an {@link IOException}
   * naming the file and what is wrong with it; the caller removes it (the donor's hold then ends by its
   * timeout, nothing else depends on it).
   */
  public Optional<Donor> read() throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      throw damaged("it is empty, not a JSON object");
    }
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw damaged("it is not a JSON object (" + e.getMessage() + ")");
    }
    Object donor = json.getValue("donor");
    Object hold = json.getValue("holdInstance");
    Object gtid = json.getValue("gtid");
    if (!(donor instanceof Integer id) || id <= 0) {
      throw damaged("\"donor\" is " + donor + ", expected a node id (a positive integer)");
    }
    if (!(hold instanceof Number n) || n instanceof Double || n instanceof Float || n.longValue() < 0) {
      throw damaged("\"holdInstance\" is " + hold + ", expected a log instance (an integer, 0 or more)");
    }
    if (!(gtid instanceof String g)) {
      throw damaged("\"gtid\" is " + gtid + ", expected a GTID position (a string)");
    }
    return Optional.of(new Donor(id, n.longValue(), g));
  }

  /** Removes the file; nothing when there is none. */
  public void remove() throws IOException {
    if (Files.deleteIfExists(file)) {
      syncDir();
    }
  }

  /**
   * Removes the file if it still names {@code d} (the donor was told, or telling it was given up), or is damaged;
   * a file naming another donor stays: a newer backup was installed meanwhile. Whether it was removed.
   */
  public boolean removeIfNames(Donor d) throws IOException {
    Optional<Donor> now;
    try {
      now = read();
    } catch (IOException damaged) {
      remove();
      return true;
    }
    if (now.isPresent() && now.get().equals(d)) {
      remove();
      return true;
    }
    return false;
  }

  private IOException damaged(String what) {
    return new IOException(file + " is damaged: " + what + ". It names the member whose log hold this node must "
        + "end once caught up from its backup; without it that hold ends by the member's mariadb.donorHoldTimeout");
  }

  private void syncDir() throws IOException {
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
