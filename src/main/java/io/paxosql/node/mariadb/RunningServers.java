package io.paxosql.node.mariadb;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every mariadbd this JVM started and has not stopped. A shutdown hook kills them so that neither a
 * crashed test run nor an interrupted node leaves a server behind.
 */
final class RunningServers {
  private static final Set<MariaDbServer> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(RunningServers::killAll, "mariadbd-reaper"));
  }

  private RunningServers() {}

  static void register(MariaDbServer server) {
    RUNNING.add(server);
  }

  static void unregister(MariaDbServer server) {
    RUNNING.remove(server);
  }

  private static void killAll() {
    for (MariaDbServer server : RUNNING) {
      server.pid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
