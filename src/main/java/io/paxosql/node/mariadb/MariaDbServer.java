package io.paxosql.node.mariadb;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mariadbd process that paxosql owns: it creates the datadir, writes my.cnf, starts, stops and
 * kills the server. All methods block (process control and disk I/O); call them from a worker thread.
 */
public final class MariaDbServer {
  private static final Logger log = LoggerFactory.getLogger(MariaDbServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(25);
  private static final String READY_LINE = "ready for connections";
  private static final Optional<Path> SETSID = MariaDbBinaries.find("setsid");
  /** mariadbd's words when InnoDB holds prepared transactions and no binlog recovery will decide them. */
  static final String STRANDED_PREPARED = "prepared transactions! It means that server was not shut down properly";

  private final MariaDbConfig config;
  private volatile Process process;

  public MariaDbServer(MariaDbConfig config) {
    this.config = config;
  }

  public MariaDbConfig config() {
    return config;
  }

  public int port() {
    return config.port();
  }

  public Path baseDir() {
    return config.baseDir();
  }

  public Path errorLog() {
    return config.errorLog();
  }

  public String jdbcUrl() {
    return "jdbc:mariadb://127.0.0.1:" + config.port() + "/";
  }

  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  public Optional<Long> pid() {
    Process p = process;
    return p != null && p.isAlive() ? Optional.of(p.pid()) : Optional.empty();
  }

  /** Creates the datadir with mariadb-install-db unless it already holds a database. */
  public void initDataDir() {
    writeDefaultsFile();
    if (Files.isDirectory(config.dataDir().resolve("mysql"))) {
      return;
    }
    Path installDb = MariaDbBinaries.require("mariadb-install-db");
    Path output = config.baseDir().resolve("install-db.log");
    List<String> cmd = List.of(installDb.toString(), "--defaults-file=" + config.defaultsFile(),
        "--auth-root-authentication-method=normal", "--skip-test-db");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new MariaDbStartException("mariadb-install-db did not finish within 120 s for "
            + config.dataDir() + "; see " + output);
      }
      if (p.exitValue() != 0) {
        String text = Files.readString(output, StandardCharsets.UTF_8);
        throw new MariaDbStartException("mariadb-install-db failed (exit " + p.exitValue() + ") for "
            + config.dataDir() + ":" + ErrorLogTail.lastLines(text, 20));
      }
    } catch (IOException e) {
      throw new MariaDbStartException("could not run " + installDb + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MariaDbStartException("interrupted while initialising " + config.dataDir(), e);
    }
  }

  /**
   * Starts mariadbd and returns once it accepts connections. Extra arguments follow the defaults
   * file (mariadbd requires {@code --defaults-file} first), e.g. {@code --init-rpl-role=SLAVE}.
   */
  public synchronized void start(String... extraArgs) {
    if (isRunning()) {
      throw new IllegalStateException("mariadbd on port " + config.port() + " is already running");
    }
    Path mariadbd = MariaDbBinaries.require("mariadbd");
    writeDefaultsFile();
    requirePortFree();
    List<String> cmd = new ArrayList<>();
    // Its own session: a terminal's Ctrl-C or a kill of the process group must reach the node, which
    // stops MariaDB in order, never MariaDB directly (a master would commit what the chain never chose).
    // setsid execs in place when the caller is no group leader (a JVM child never is): the pid stays.
    cmd.add(SETSID.orElseThrow(() -> new MariaDbStartException("setsid is not installed (util-linux): "
        + "install it (apt-get install util-linux); a node starts its MariaDB in its own session")).toString());
    cmd.add(mariadbd.toString());
    cmd.add("--defaults-file=" + config.defaultsFile());
    cmd.addAll(List.of(extraArgs));
    long logOffset = ErrorLogTail.size(config.errorLog());
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(config.baseDir().resolve("stdout.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new MariaDbStartException("could not start " + mariadbd + ": " + e.getMessage(), e);
    }
    process = p;
    RunningServers.register(this);
    awaitReady(p, logOffset);
    log.info("mariadbd started on 127.0.0.1:{} (pid {}, datadir {})", config.port(), p.pid(), config.dataDir());
  }

  /**
   * Clean shutdown: SIGTERM (MariaDB's normal shutdown, as {@code mariadb-admin shutdown}), wait for
   * the process to exit, SIGKILL only if it does not exit in time.
   */
  public synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    try {
      if (p.isAlive()) {
        log.info("mariadbd pid {} on port {}: shutting down, waiting up to {} s for it to exit", p.pid(),
            config.port(), STOP_TIMEOUT.toSeconds());
        p.destroy();
        if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("mariadbd pid {} did not stop within {} s; killing it", p.pid(), STOP_TIMEOUT.toSeconds());
          p.destroyForcibly().waitFor();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    } finally {
      process = null;
      RunningServers.unregister(this);
    }
  }

  /** kill -9, as a crash would: unflushed state is lost and the next start runs crash recovery. */
  public synchronized void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    try {
      p.destroyForcibly().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      process = null;
      RunningServers.unregister(this);
    }
  }

  /**
   * Kills a mariadbd left running on this datadir by an earlier life of this process (found through
   * its pid file and command line). Returns whether one was found.
   */
  public boolean killLeftover() {
    Path pidFile = config.pidFile();
    if (!Files.exists(pidFile)) {
      return false;
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      Optional<ProcessHandle> handle = ProcessHandle.of(pid);
      if (handle.isEmpty() || !isOurs(handle.get())) {
        return false;
      }
      log.warn("killing leftover mariadbd pid {} on {}", pid, config.dataDir());
      handle.get().destroyForcibly();
      handle.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (IOException | NumberFormatException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      throw new MariaDbStartException("could not kill the leftover mariadbd of " + config.dataDir() + ": " + e, e);
    }
  }

  private boolean isOurs(ProcessHandle handle) {
    String defaults = "--defaults-file=" + config.defaultsFile();
    return handle.info().arguments().map(args -> List.of(args).contains(defaults)).orElse(false);
  }

  private void writeDefaultsFile() {
    try {
      Files.createDirectories(config.baseDir());
      Files.createDirectories(config.dataDir());
      Files.createDirectories(config.tmpDir());
      if (!Files.isWritable(config.dataDir())) {
        throw new MariaDbStartException("datadir " + config.dataDir() + " is not writable by "
            + System.getProperty("user.name") + ": fix its permissions or choose another directory");
      }
      Files.writeString(config.defaultsFile(), config.renderDefaultsFile(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new MariaDbStartException("cannot prepare " + config.baseDir() + " for mariadbd: " + e
          + "; make sure the directory is writable", e);
    }
  }

  private void requirePortFree() {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()));
    } catch (IOException e) {
      throw new MariaDbStartException("port " + config.port() + " on 127.0.0.1 is already in use: "
          + "stop whatever listens there or choose another MariaDB port");
    }
  }

  /** Waits for the server's "ready for connections" line and a greeting on its port, or its death. */
  private void awaitReady(Process p, long logOffset) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try {
      while (true) {
        if (p.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          process = null;
          RunningServers.unregister(this);
          throw startFailure("mariadbd exited with code " + p.exitValue() + " during start", logOffset);
        }
        if (ErrorLogTail.since(config.errorLog(), logOffset).contains(READY_LINE) && greets()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          kill();
          throw startFailure("mariadbd did not accept connections within " + START_TIMEOUT.toSeconds() + " s", logOffset);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new MariaDbStartException("interrupted while starting mariadbd on port " + config.port(), e);
    }
  }

  /** True once the port answers with a MySQL protocol-10 handshake or an ERR packet. */
  private boolean greets() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 1000);
      s.setSoTimeout(2000);
      InputStream in = s.getInputStream();
      byte[] header = in.readNBytes(5);
      return header.length == 5 && (header[4] == 0x0a || header[4] == (byte) 0xff);
    } catch (IOException e) {
      return false;
    }
  }

  private MariaDbStartException startFailure(String what, long logOffset) {
    String text = ErrorLogTail.since(config.errorLog(), logOffset);
    String cause;
    boolean stranded = text.contains(STRANDED_PREPARED);
    if (stranded) {
      cause = "InnoDB holds prepared transactions but the last binlog was closed properly (a shutdown killed "
          + "after it closed the binlog), so mariadbd has no crash recovery to decide them; a node starting its "
          + "MariaDB as a follower recovers from this by itself";
    } else if (text.contains("Address already in use")) {
      cause = "port " + config.port() + " is already in use: stop whatever listens there or choose another port";
    } else if (text.contains("Permission denied") || text.contains("Can't create/write")
        || text.contains("Errcode: 13")) {
      cause = "the datadir " + config.dataDir() + " or its files are not writable: fix permissions";
    } else if (text.contains("socket file path is too long")) {
      cause = "the socket path " + config.socketPath() + " is longer than 107 bytes: use a shorter base dir";
    } else if (text.contains("unknown variable") || text.contains("unknown option")) {
      cause = "an option in " + config.defaultsFile() + " or the start arguments is unknown to this mariadbd";
    } else if (text.contains("consult the") && text.contains("root")) {
      cause = "mariadbd refuses to run as root without user=root";
    } else {
      cause = "see the error log";
    }
    return new MariaDbStartException(what + " (port " + config.port() + ", datadir " + config.dataDir()
        + "): " + cause + ". Error log " + config.errorLog() + " ends:" + ErrorLogTail.lastLines(text, 25), stranded);
  }
}
