package io.paxosql.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a directory takes on disk: the blocks allocated to its files, as {@code du} counts them, not their
 * lengths. Chronicle Queue's roll files are sparse and preallocated (80 MiB long each with the node's roll
 * cycle), so their length says nothing about the disk they use. Java's file attributes have no block count;
 * {@code find -printf %b} (512-byte blocks) gives it for every file in one process.
 */
public final class DiskBlocks {
  /** One file: its path, its length and the bytes of the blocks allocated to it. */
  public record FileUsage(Path path, long apparentBytes, long allocatedBytes) {
    @Override
    public String toString() {
      return path.getFileName() + " " + allocatedBytes + " B on disk (" + apparentBytes + " long)";
    }
  }

  /** Every regular file under a directory, and their sum. */
  public record Usage(Path dir, List<FileUsage> files) {
    public long allocatedBytes() {
      return files.stream().mapToLong(FileUsage::allocatedBytes).sum();
    }

    public long apparentBytes() {
      return files.stream().mapToLong(FileUsage::apparentBytes).sum();
    }

    /** The files whose name ends with {@code suffix} (e.g. ".cq4" for Chronicle's roll files). */
    public List<FileUsage> endingWith(String suffix) {
      return files.stream().filter(f -> f.path().getFileName().toString().endsWith(suffix)).toList();
    }

    @Override
    public String toString() {
      return allocatedBytes() + " B on disk in " + files.size() + " files (" + apparentBytes() + " B long): " + files;
    }
  }

  private DiskBlocks() {
  }

  /**
   * The files under {@code dir} now. A file deleted while {@code find} walks (retention runs concurrently) is
   * left out; any other failure of {@code find} is an error.
   */
  public static Usage of(Path dir) {
    try {
      Process p = new ProcessBuilder("find", dir.toString(), "-type", "f", "-printf", "%p\\t%s\\t%b\\n")
          .redirectError(ProcessBuilder.Redirect.PIPE).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("find " + dir + " did not finish within 30 s");
      }
      if (p.exitValue() != 0 && !onlyVanished(err)) {
        throw new IllegalStateException("find " + dir + " failed (exit " + p.exitValue() + "): " + err.strip());
      }
      List<FileUsage> files = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split("\t");
        files.add(new FileUsage(Path.of(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]) * 512));
      }
      Collections.sort(files, (a, b) -> a.path().compareTo(b.path()));
      return new Usage(dir, List.copyOf(files));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run find on " + dir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring " + dir, e);
    }
  }

  /** Whether every line {@code find} complained with is about a file that vanished during the walk. */
  private static boolean onlyVanished(String err) {
    return !err.isBlank() && err.lines().allMatch(l -> l.contains("No such file or directory"));
  }
}
