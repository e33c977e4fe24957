package io.paxosql.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import io.vertx.core.Vertx;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.mysqlclient.MySQLConnection;
import io.vertx.sqlclient.Tuple;

/**
 * One client library's run in the client matrix: a transaction per id (a prepared INSERT, then COMMIT) in a
 * loop through a node's RW port; on an error it records it, reconnects and goes on, and it stops after 5
 * commits following its first error (or its time limit). Every client prints the same lines, 'ack N' after a
 * commit and 'error MESSAGE' for a failure, whether it runs in this JVM or as another program.
 */
abstract class ClientLoop {
  static final int ACKS_AFTER_ERROR = 5;

  final String name;
  final List<String> lines = new CopyOnWriteArrayList<>();

  ClientLoop(String name) {
    this.name = name;
  }

  /** Starts the run against host:port as user; it ends by itself. */
  abstract void start(String host, int port, String user, String password, int seconds) throws IOException;

  /** Waits for the run to end; false if it was still going at the deadline (it is then stopped). */
  abstract boolean await(long seconds) throws InterruptedException;

  List<Long> acked() {
    List<Long> out = new ArrayList<>();
    for (String l : lines) {
      if (l.startsWith("ack ")) {
        out.add(Long.parseLong(l.substring(4).trim()));
      }
    }
    return out;
  }

  List<String> errors() {
    return lines.stream().filter(l -> l.startsWith("error ")).map(l -> l.substring(6)).toList();
  }

  long acksAfterFirstError() {
    boolean seen = false;
    long n = 0;
    for (String l : lines) {
      seen |= l.startsWith("error ");
      if (seen && l.startsWith("ack ")) {
        n++;
      }
    }
    return n;
  }

  /** A program of its own (PyMySQL, mysql2) printing the lines on stdout. */
  static ClientLoop program(String name, Supplier<List<String>> command, Path dir) {
    return new ClientLoop(name) {
      private Process process;

      @Override
      void start(String host, int port, String user, String password, int seconds) throws IOException {
        List<String> cmd = new ArrayList<>(command.get());
        cmd.addAll(List.of(host, Integer.toString(port), user, password, name, Integer.toString(seconds)));
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
          try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
              lines.add(l);
            }
          } catch (IOException e) {
            lines.add("error reading the client's output: " + e);
          }
        }, name + "-out");
        reader.setDaemon(true);
        reader.start();
      }

      @Override
      boolean await(long seconds) throws InterruptedException {
        if (process.waitFor(seconds, TimeUnit.SECONDS)) {
          return true;
        }
        process.destroyForcibly();
        return false;
      }
    };
  }

  /**
   * The mariadb command-line client as scripts use it: one {@code mariadb -e} run per transaction (in batch
   * mode the client does not reconnect, so retrying means running it again). A commit counts only once the
   * SELECT after it, in the same run, saw the row.
   */
  static ClientLoop mariadbCli(String name) {
    return new InJvm(name) {
      @Override
      void run(String host, int port, String user, String password, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (long id = 1; System.nanoTime() < deadline && acksAfterFirstError() < ACKS_AFTER_ERROR; id++) {
          String sql = "PREPARE s FROM 'INSERT INTO t.c (client, id) VALUES (?, ?)'; SET @c='" + name + "', @i=" + id
              + "; START TRANSACTION; EXECUTE s USING @c, @i; COMMIT; "
              + "SELECT CONCAT('ack ', id) FROM t.c WHERE client=@c AND id=@i";
          Process p = new ProcessBuilder("mariadb", "-h" + host, "-P" + port, "-u" + user, "-p" + password,
              "-N", "--connect-timeout=3", "-e", sql).redirectErrorStream(true).start();
          if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            lines.add("error mariadb did not return within 30 s");
            continue;
          }
          String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
          if (p.exitValue() == 0 && out.equals("ack " + id)) {
            lines.add(out);
          } else {
            lines.add("error " + String.join(" ", out.split("\\s+")) + " (exit " + p.exitValue() + ")");
            TimeUnit.MILLISECONDS.sleep(200);
          }
          TimeUnit.MILLISECONDS.sleep(50);
        }
      }
    };
  }

  /** MariaDB Connector/J or MySQL Connector/J with server-side prepared statements. */
  static ClientLoop jdbc(String name, String urlPrefix, String options) {
    return new InJvm(name) {
      @Override
      void run(String host, int port, String user, String password, int seconds) throws Exception {
        String url = urlPrefix + host + ":" + port + "/" + options;
        Connection c = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (long id = 1; System.nanoTime() < deadline && acksAfterFirstError() < ACKS_AFTER_ERROR; id++) {
          try {
            if (c == null) {
              c = DriverManager.getConnection(url, user, password);
              c.setAutoCommit(false);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t.c (client, id) VALUES (?, ?)")) {
              ps.setString(1, name);
              ps.setLong(2, id);
              ps.executeUpdate();
            }
            c.commit();
            lines.add("ack " + id);
          } catch (Exception e) {
            lines.add("error " + oneLine(e));
            closeQuietly(c);
            c = null;
            TimeUnit.MILLISECONDS.sleep(200);
          }
          TimeUnit.MILLISECONDS.sleep(50);
        }
        closeQuietly(c);
      }
    };
  }

  /** Vert.x's reactive MySQL client (the one paxosql itself uses), blocking on each step in this thread. */
  static ClientLoop vertx(String name) {
    return new InJvm(name) {
      @Override
      void run(String host, int port, String user, String password, int seconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        MySQLConnection c = null;
        try {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
          for (long id = 1; System.nanoTime() < deadline && acksAfterFirstError() < ACKS_AFTER_ERROR; id++) {
            try {
              if (c == null) {
                c = MySQLConnection.connect(vertx, new MySQLConnectOptions().setHost(host).setPort(port)
                    .setUser(user).setPassword(password)).await(10, TimeUnit.SECONDS);
              }
              var tx = c.begin().await(10, TimeUnit.SECONDS);
              c.preparedQuery("INSERT INTO t.c (client, id) VALUES (?, ?)").execute(Tuple.of(name, id))
                  .await(15, TimeUnit.SECONDS);
              tx.commit().await(15, TimeUnit.SECONDS);
              lines.add("ack " + id);
            } catch (Exception e) {
              lines.add("error " + oneLine(e));
              if (c != null) {
                c.close();
              }
              c = null;
              TimeUnit.MILLISECONDS.sleep(200);
            }
            TimeUnit.MILLISECONDS.sleep(50);
          }
        } finally {
          vertx.close().await(10, TimeUnit.SECONDS);
        }
      }
    };
  }

  private abstract static class InJvm extends ClientLoop {
    private Thread thread;

    InJvm(String name) {
      super(name);
    }

    abstract void run(String host, int port, String user, String password, int seconds) throws Exception;

    @Override
    void start(String host, int port, String user, String password, int seconds) {
      thread = new Thread(() -> {
        try {
          run(host, port, user, password, seconds);
        } catch (Exception e) {
          lines.add("error the client loop itself failed: " + oneLine(e));
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    boolean await(long seconds) throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(seconds));
      if (thread.isAlive()) {
        thread.interrupt();
        return false;
      }
      return true;
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getClass().getSimpleName() + ": " + e.getMessage();
    return String.join(" ", m.split("\\s+"));
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // the connection is already gone; the next attempt opens a new one
      }
    }
  }
}
