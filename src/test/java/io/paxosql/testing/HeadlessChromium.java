package io.paxosql.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The status page as a browser renders it: headless Chromium (Debian's package, `make deps`) loads a
 * URL, lets the page's scripts run for {@code virtualMs} of virtual time, and prints the DOM or writes a
 * screenshot. Every run uses a fresh profile and is bounded.
 */
public final class HeadlessChromium {
  /**
   * One rendering takes 15-30 s on a loaded 2-core machine (mostly Chromium's own start); now and then
   * Chromium never ends its virtual-time run. Such a run is killed after this long and tried once more.
   */
  private static final long RUN_TIMEOUT_S = 120;
  private static final int ATTEMPTS = 2;

  private HeadlessChromium() {}

  /** The DOM after the page ran for {@code virtualMs}. */
  public static String dumpDom(String url, int virtualMs) throws IOException, InterruptedException {
    Path dom = Files.createTempFile("chromium-dom-", ".html");
    try {
      for (int attempt = 1; ; attempt++) {
        Path profile = Files.createTempDirectory("chromium-");
        try {
          List<String> cmd = command(profile, virtualMs, 1280, 1600);
          cmd.addAll(List.of("--dump-dom", url));
          Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
              .redirectOutput(dom.toFile()).start();
          if (finished(p, url, attempt)) {
            return Files.readString(dom, StandardCharsets.UTF_8);
          }
        } finally {
          delete(profile);
        }
      }
    } finally {
      Files.deleteIfExists(dom);
    }
  }

  /** A PNG of the page after it ran for {@code virtualMs}, at {@code width}x{@code height}. */
  public static Path screenshot(String url, Path png, int virtualMs, int width, int height)
      throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    for (int attempt = 1; ; attempt++) {
      Path profile = Files.createTempDirectory("chromium-");
      try {
        List<String> cmd = command(profile, virtualMs, width, height);
        cmd.addAll(List.of("--hide-scrollbars", "--screenshot=" + png.toAbsolutePath(), url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        if (finished(p, url, attempt)) {
          break;
        }
      } finally {
        delete(profile);
      }
    }
    if (!Files.exists(png) || Files.size(png) < 5_000) {
      throw new AssertionError("Chromium wrote no screenshot of " + url + " to " + png);
    }
    return png;
  }

  /** Whether the run ended; false (kill it, try again) after a first hung attempt; fails after the last. */
  private static boolean finished(Process p, String url, int attempt) throws InterruptedException {
    if (p.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS)) {
      return true;
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    if (attempt >= ATTEMPTS) {
      throw new AssertionError("Chromium did not finish rendering " + url + " within " + RUN_TIMEOUT_S + " s, "
          + ATTEMPTS + " times");
    }
    return false;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private static List<String> command(Path profile, int virtualMs, int width, int height) {
    return new ArrayList<>(List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=" + virtualMs, "--window-size=" + width + "," + height));
  }

  public static String binary() {
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new AssertionError("headless Chromium is not installed: run `make deps` (apt-get install chromium)");
  }
}
