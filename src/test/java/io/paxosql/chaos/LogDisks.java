package io.paxosql.chaos;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Each chaos node's Paxos log directory (dataDir/paxos) on its own small loop-mounted ext4, so the
 * disk-full fault can fill one node's log disk: a filler file takes every free block, the node's next
 * log write fails and it must fail-stop; healing deletes the filler. The images live in the run directory
 * and are sparse (only written blocks use /tmp). Mounted by {@link ChaosSuiteTest} before the run starts
 * (the nodes' and the run's mount namespaces copy the mount) and unmounted by it at the end, even on failure.
 */
final class LogDisks {
  /** Big enough for a 15-minute run's log (tens of MB) many times over; filling it costs one fallocate. */
  static final String SIZE = "1G";
  static final String FILLER = "chaos-filler";
  private final Path dir;
  private final int nodes;

  LogDisks(Path dir, int nodes) {
    this.dir = dir;
    this.nodes = nodes;
  }

  Path mountPoint(int id) {
    return dir.resolve("node" + id).resolve("paxos");
  }

  private Path image(int id) {
    return dir.resolve("logdisk-n" + id + ".img");
  }

  /** Whether this machine can loop-mount (root, loop devices, mkfs.ext4); null if so, else why not. */
  static String unavailableReason() {
    for (String tool : List.of("mkfs.ext4", "losetup", "fallocate")) {
      if (Sh.quiet("sh", "-c", "command -v " + tool).exit() != 0) {
        return tool + " is missing (install e2fsprogs / util-linux)";
      }
    }
    return null;
  }

  /** Makes, formats and mounts every node's log disk; fails naming the step that did not work. */
  void create() throws IOException {
    for (int id = 1; id <= nodes; id++) {
      Files.createDirectories(mountPoint(id));
      Sh.must("truncate", "-s", SIZE, image(id).toString());
      // No reserved blocks: the node runs as root and would otherwise write into root's 5 %.
      Sh.must("mkfs.ext4", "-q", "-F", "-m", "0", image(id).toString());
      Sh.must("mount", "-o", "loop", image(id).toString(), mountPoint(id).toString());
    }
  }

  /**
   * Takes every free block of node {@code id}'s log disk: fallocate nearly all at once, then 4 KiB writes
   * until the filesystem says no space is left (bounded). Returns the bytes taken.
   */
  long fill(int id) throws IOException {
    Path filler = mountPoint(id).resolve(FILLER);
    long free = Files.getFileStore(mountPoint(id)).getUsableSpace();
    long bulk = Math.max(0, free - (8L << 20));
    Sh.Result r = Sh.quiet("fallocate", "-l", Long.toString(bulk), filler.toString());
    if (r.exit() != 0) {
      throw new IOException("fallocate of " + bulk + " bytes on " + filler + " failed: " + r.output().strip());
    }
    long taken = bulk;
    ByteBuffer block = ByteBuffer.allocate(4096);
    try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      for (int i = 0; i < 1_000_000; i++) {
        block.clear();
        taken += ch.write(block);
      }
      throw new IOException(filler + " still took writes after " + taken + " bytes: the disk never filled");
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
    return taken;
  }

  /** Gives node {@code id}'s log disk its space back. */
  void free(int id) throws IOException {
    Files.deleteIfExists(mountPoint(id).resolve(FILLER));
  }

  /** Bytes in use on node {@code id}'s log disk, filler excluded (for the report). */
  long logBytes(int id) throws IOException {
    var store = Files.getFileStore(mountPoint(id));
    long filler = Files.exists(mountPoint(id).resolve(FILLER)) ? Files.size(mountPoint(id).resolve(FILLER)) : 0;
    return store.getTotalSpace() - store.getUsableSpace() - filler;
  }

  /**
   * Unmounts every loop filesystem mounted under a chaos run directory ({@code /tmp/pxs-chaos-*}), this
   * run's or a crashed earlier one's, and deletes this run's images. A busy mount (a process still
   * inside) is retried, then detached lazily so the loop device goes once the last user does. Another
   * run's mounts are left alone while a process of that run still lives (two runs at once, see
   * {@link Netns#PREFIX_PROPERTY}).
   */
  static List<String> unmountAll(Path runDir) {
    List<String> done = new ArrayList<>();
    for (String mount : ours()) {
      Path owner = Path.of(mount).subpath(0, 2); // tmp/pxs-chaos-N
      if ((runDir == null || !Path.of(mount).startsWith(runDir))
          && !ChaosNodes.everythingUnder(Path.of("/").resolve(owner)).isEmpty()) {
        continue;
      }
      boolean clean = false;
      for (int i = 0; i < 10 && !clean; i++) {
        clean = Sh.quiet("umount", mount).exit() == 0;
        if (!clean) {
          pause();
        }
      }
      if (!clean) {
        Sh.quiet("umount", "-l", mount);
      }
      done.add((clean ? "unmounted " : "detached (busy) ") + mount);
    }
    if (runDir != null) {
      try (var files = Files.list(runDir)) {
        for (Path f : files.filter(p -> p.getFileName().toString().startsWith("logdisk-")).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        done.add("could not delete the log disk images in " + runDir + ": " + e.getMessage());
      }
    }
    return done;
  }

  /** Mount points under a chaos run directory, from /proc/self/mounts (deepest first). */
  static List<String> ours() {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].startsWith("/tmp/pxs-chaos-")) {
          out.add(0, f[1]);
        }
      }
    } catch (IOException e) {
      // no /proc: nothing we could have mounted is visible either
    }
    return out;
  }

  private static void pause() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
