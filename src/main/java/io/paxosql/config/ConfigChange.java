package io.paxosql.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The difference between the running config and a newly read one, split into keys that apply live
 * and keys that need a restart (ports, data dir, members, the MariaDB, credentials, Paxos timing).
 */
public record ConfigChange(List<String> live, List<String> needsRestart) {

  public boolean isEmpty() {
    return live.isEmpty() && needsRestart.isEmpty();
  }

  public static ConfigChange between(NodeConfig running, NodeConfig next) {
    List<String> live = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    diff("proxy.maxConnections", running.proxy().maxConnections(), next.proxy().maxConnections(), live);
    diff("proxy.connectTimeoutMs", running.proxy().connectTimeoutMs(), next.proxy().connectTimeoutMs(), live);
    diff("proxy.idleTimeoutSeconds", running.proxy().idleTimeoutSeconds(), next.proxy().idleTimeoutSeconds(), live);
    diff("proxy.roConsistency", running.proxy().roConsistency(), next.proxy().roConsistency(), live);
    diff("proxy.roMaxLagMs", running.proxy().roMaxLagMs(), next.proxy().roMaxLagMs(), live);
    diff("logLevel", running.logLevel(), next.logLevel(), live);

    diff("clusterId", running.clusterId(), next.clusterId(), restart);
    diff("nodeId", running.nodeId(), next.nodeId(), restart);
    diff("dataDir", running.dataDir(), next.dataDir(), restart);
    diff("ports", running.ports(), next.ports(), restart);
    diff("members", running.members(), next.members(), restart);
    diff("mariadb", running.mariadb(), next.mariadb(), restart);
    diff("mariadb.maxTransactionBytes", running.limits(), next.limits(), restart);
    diff("mariadb.autoRebuild/backupThrottle/donorHoldTimeout", running.rebuild(), next.rebuild(), restart);
    diff("replication", running.replication(), next.replication(), restart);
    diff("paxos", running.paxos(), next.paxos(), restart);
    diff("log", running.log(), next.log(), restart);
    diff("admin", running.admin(), next.admin(), restart);
    diff("tls", running.tls(), next.tls(), restart);
    return new ConfigChange(List.copyOf(live), List.copyOf(restart));
  }

  private static void diff(String key, Object a, Object b, List<String> out) {
    if (!Objects.equals(a, b)) {
      out.add(key);
    }
  }
}
