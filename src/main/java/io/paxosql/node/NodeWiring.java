package io.paxosql.node;

import io.paxosql.config.LogSettings;
import io.paxosql.config.AdminConfig;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.SecretNames;
import io.paxosql.config.TlsSettings;
import io.paxosql.log.LogConfig;
import io.paxosql.node.admin.AdminGuard;
import io.paxosql.node.admin.AdminLimits;
import io.paxosql.node.replog.ReplogOptions;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.proxy.ProxySettings;
import io.paxosql.proxy.ReadPolicy;
import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.TlsFiles;
import io.paxosql.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.zip.CRC32;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.RollCycles;

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
   * MariaDB server ids: a follower runs as its node id (1..4095); a master writes under an id derived
   * from its epoch, in [4096, MAX_EPOCH_SERVER_ID), so that a fenced master, replaying the transactions it
   * wrote from the chain, does not skip them as its own (replicas ignore events with their own server id),
   * and so that two leaderships writing the same sequence number give different GTIDs (the divergence
   * check compares them). Our replication client and server use ids above that range.
   */
  static final long MAX_EPOCH_SERVER_ID = 4_000_000_000L;
  private static final long FIRST_MASTER_SERVER_ID = 4096;

  /**
   * The server id a master writes under in {@code epoch}. The epoch (round x 4096 + node) may exceed what
   * MariaDB's 32-bit server_id takes, so the id is the epoch folded into the master range: consecutive
   * leaderships still differ (their epochs differ by far less than the range), and no epoch, however
   * large, makes promotion impossible. Two leaderships 4e9 epochs apart may share an id; the only cost is
   * that the divergence check could not tell their transactions apart by GTID at the same sequence.
   */
  static long masterServerId(long epoch) {
    if (epoch <= 0) {
      throw new IllegalArgumentException("a master's epoch is positive, got " + epoch);
    }
    return FIRST_MASTER_SERVER_ID + Math.floorMod(epoch, MAX_EPOCH_SERVER_ID - FIRST_MASTER_SERVER_ID);
  }

  static long captureServerId(NodeConfig c) {
    return MAX_EPOCH_SERVER_ID + c.nodeId();
  }

  static long binlogServerId(NodeConfig c) {
    return MAX_EPOCH_SERVER_ID + 100_000L + c.nodeId();
  }

  /**
   * TEST ONLY: the system property that makes a new cluster's log start at this instance id instead of 0, so
   * that a test reaches ids near 2^32 without choosing four billion values. Every member of a cluster must
   * run with the same value (it is the id of the first value ever chosen); it only matters while a node's
   * log is empty (a seeded node's log starts at its donor's checkpoint anyway). Never set it on a real node.
   */
  static final String TEST_FIRST_INSTANCE = "paxosql.test.firstInstance";

  /**
   * The log start {@link #TEST_FIRST_INSTANCE} asks for: 0 when unset.
   *
   * @param property the property's value, or null
   * @throws IllegalArgumentException naming the property when it is not a whole number in [0, 2^62]
   */
  static long firstInstance(String property) {
    if (property == null) {
      return 0;
    }
    long first;
    try {
      first = Long.parseLong(property.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("system property " + TEST_FIRST_INSTANCE + " is '" + property + "', not"
          + " a whole number; it is a test-only start of a new cluster's log: remove it, or set an instance id in"
          + " [0, " + PaxosConfig.MAX_FIRST_INSTANCE + "]", e);
    }
    if (first < 0 || first > PaxosConfig.MAX_FIRST_INSTANCE) {
      throw new IllegalArgumentException("system property " + TEST_FIRST_INSTANCE + " is " + first + ", outside [0, "
          + PaxosConfig.MAX_FIRST_INSTANCE + "]; it is a test-only start of a new cluster's log: remove it, or set"
          + " an instance id in that range");
    }
    return first;
  }

  /**
   * @param genesis the member set the cluster's log started with (not this config's list: members
   *                added later are in the log as chosen changes)
   * @param peers   every other node this one knows an address for: id → "host:paxosPort"
   * @param first   the instance id of the cluster's first chosen value: 0, except in tests
   *                ({@link #TEST_FIRST_INSTANCE}); used only while this node's log is empty
   */
  static ReplogOptions replogOptions(NodeConfig c, SortedSet<Integer> genesis, Map<Integer, String> peers,
      long first) {
    NodeConfig.Paxos p = c.paxos();
    SortedSet<Integer> members = genesis;
    int lease = (int) p.leaseTicks();
    PaxosConfig paxos = new PaxosConfig(clusterId(c), c.nodeId(), members, first, lease, (int) p.driftMarginTicks(),
        Math.max(1, lease / 4), (int) p.electionTicks(), 3, 64, 4 << 20, 100_000, 256);
    LogSettings ls = c.log();
    // Files of five minutes, or fewer bytes when the bound is small, so whole-file retention stays near it.
    // Retention's own margin: 10,000 values below what every member applied, no minimum age.
    LogConfig log = LogConfig.defaults(c.dataDir().resolve("paxos")).withFirstInstance(first)
        .withRollCycle(RollCycles.FIVE_MINUTELY, SystemTimeProvider.INSTANCE)
        .withRetention(10_000, Duration.ZERO)
        .withBounds(new LogConfig.Bounds(ls.retainBytes(), ls.retainAge(), Math.max(256L << 10, ls.retainBytes() / 16)));
    TransportConfig transport = TransportConfig.plain(clusterId(c), c.nodeId(), c.self().host(), c.ports().paxos(), peers)
        .withBatchBytes(paxos.maxBatchBytes()).withTls(tlsFiles(c));
    // Proposals are not forwarded: only the master proposes, and it must lead.
    // Retention is on: the node keeps its log from its chain checkpoint on (ClusterNode tells the log its
    // floor), and for lagging members up to log.retainBytes / log.retainAge.
    return ReplogOptions.of(paxos, log, transport, p.tickMs()).withForwarding(false).withOwnerFloor();
  }

  /** This member's certificate, key and cluster CA; null with {@code tls.mode: off}. */
  static TlsFiles tlsFiles(NodeConfig c) {
    TlsSettings t = c.tls();
    return t.on() ? new TlsFiles(t.cert(), t.key(), t.ca(), TlsEngine.Preference.parse(t.engine())) : null;
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

  /** The admin port's address: admin.bind, else this node's host from the member list. */
  static String adminBind(NodeConfig c) {
    return c.admin().bind() == null ? c.self().host() : c.admin().bind();
  }

  /** The admin guard: this node's token, whether reads need it, and the names an Origin may carry. */
  static AdminGuard adminGuard(NodeConfig c, String token) {
    Set<String> names = new HashSet<>();
    names.add(c.self().host());
    names.add(adminBind(c));
    return new AdminGuard(token, c.admin().protectReads(), names, SecretNames.adminToken(c.dataDir()).toString());
  }

  static AdminLimits adminLimits(AdminConfig a) {
    return new AdminLimits(a.maxConnections(), a.idleTimeoutSeconds());
  }
}
