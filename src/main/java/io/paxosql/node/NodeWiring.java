package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.log.LogConfig;
import io.paxosql.node.replog.ReplogOptions;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.proxy.ProxySettings;
import io.paxosql.proxy.ReadPolicy;
import io.paxosql.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32;

/** Turns a node's validated config into the settings of its parts. Pure. */
final class NodeWiring {
  private NodeWiring() {}

  /** The cluster id as every message carries it: a stable hash of the configured name. */
  static long clusterId(NodeConfig c) {
    CRC32 crc = new CRC32();
    crc.update(c.clusterId().getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  /**
   * MariaDB server ids: a follower runs as its node id (1..4095); a master writes under its epoch
   * (4097 and up, unique per leadership) so that a fenced master, replaying the transactions it wrote
   * from the chain, does not skip them as its own (replicas ignore events with their own server id).
   * Our replication client and server use ids above every epoch a cluster can reach.
   */
  static final long MAX_EPOCH_SERVER_ID = 4_000_000_000L;

  static long captureServerId(NodeConfig c) {
    return MAX_EPOCH_SERVER_ID + c.nodeId();
  }

  static long binlogServerId(NodeConfig c) {
    return MAX_EPOCH_SERVER_ID + 100_000L + c.nodeId();
  }

  static ReplogOptions replogOptions(NodeConfig c) {
    TreeSet<Integer> members = new TreeSet<>();
    Map<Integer, String> peers = new TreeMap<>();
    for (NodeConfig.Member m : c.members()) {
      members.add(m.id());
      if (m.id() != c.nodeId()) {
        peers.put(m.id(), m.host() + ":" + m.paxos());
      }
    }
    return replogOptions(c, members, peers);
  }

  /**
   * @param genesis the member set the cluster's log started with (not this config's list: members
   *                added later are in the log as chosen changes)
   * @param peers   every other node this one knows an address for: id → "host:paxosPort"
   */
  static ReplogOptions replogOptions(NodeConfig c, SortedSet<Integer> genesis, Map<Integer, String> peers) {
    NodeConfig.Paxos p = c.paxos();
    SortedSet<Integer> members = genesis;
    int lease = (int) p.leaseTicks();
    PaxosConfig paxos = new PaxosConfig(clusterId(c), c.nodeId(), members, 0, lease, (int) p.driftMarginTicks(),
        Math.max(1, lease / 4), (int) p.electionTicks(), 3, 64, 4 << 20, 100_000, 256);
    LogConfig log = LogConfig.defaults(c.dataDir().resolve("paxos"));
    TransportConfig transport = TransportConfig.plain(clusterId(c), c.nodeId(), c.self().host(), c.ports().paxos(), peers);
    // Proposals are not forwarded: only the master proposes, and it must lead.
    // The chain is derived from the whole log and has no snapshot yet: a node restarted after its
    // log's beginning was deleted could not rebuild it. Until chain snapshots exist, the node keeps
    // its whole Paxos log (the log's retention machinery is built and tested, but off here).
    return ReplogOptions.of(paxos, log, transport, p.tickMs()).withForwarding(false).withoutRetention();
  }

  static ReadPolicy readPolicy(NodeConfig.Proxy p) {
    ReadPolicy.Mode mode = switch (p.roConsistency()) {
      case LOCAL -> ReadPolicy.Mode.LOCAL;
      case BOUNDED -> ReadPolicy.Mode.BOUNDED;
      case LINEARIZABLE -> ReadPolicy.Mode.LINEARIZABLE;
    };
    return new ReadPolicy(mode, p.roMaxLagMs());
  }

  /** Who may use the member-only proxy hop: loopback and every member's host. */
  static Set<String> memberHosts(Collection<NodeConfig.Member> members) {
    Set<String> hosts = new HashSet<>();
    hosts.add("127.0.0.1");
    members.forEach(m -> hosts.add(m.host()));
    return hosts;
  }

  static ProxySettings proxySettings(NodeConfig c) {
    Set<String> hosts = memberHosts(c.members());
    NodeConfig.Proxy p = c.proxy();
    ProxySettings d = ProxySettings.defaults("127.0.0.1", c.mariadb().port());
    // Clients and other members reach this node at its member address; MariaDB stays on loopback.
    return new ProxySettings(c.self().host(), c.ports().rw(), c.ports().ro(), c.ports().internal(), "127.0.0.1",
        c.mariadb().port(), true, hosts, p.maxConnections(), Duration.ofMillis(p.connectTimeoutMs()),
        Duration.ofSeconds(p.idleTimeoutSeconds()), d.maxPacketSize(), d.writeQueueBytes(), d.eventLoops());
  }
}
