package io.paxosql.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One member's validated configuration, as read from {@code conf/nodeN.yaml}. Build it with
 * {@link NodeConfigLoader}; every value here has passed validation.
 */
public record NodeConfig(
    String clusterId,
    int nodeId,
    Path dataDir,
    Ports ports,
    List<Member> members,
    MariaDb mariadb,
    Replication replication,
    Proxy proxy,
    Paxos paxos,
    String logLevel,
    LogSettings log,
    AdminConfig admin,
    TransactionLimits limits,
    TlsSettings tls,
    RebuildConfig rebuild) {

  public NodeConfig {
    members = List.copyOf(members);
  }

  /** This node's own entry in the member list. */
  public Member self() {
    return member(nodeId).orElseThrow();
  }

  public Optional<Member> member(int id) {
    return members.stream().filter(m -> m.id() == id).findFirst();
  }

  /** The ports this node listens on (all on its host). */
  public record Ports(int rw, int ro, int paxos, int binlog, int admin, int internal) {}

  /** How other members reach a member: its Paxos port, its member-only proxy hop and its admin port. */
  public record Member(int id, String host, int paxos, int internal, int admin) {}

  public enum MariaDbMode { MANAGED, ATTACH }

  /**
   * The local MariaDB. Managed: paxosql creates and runs it on 127.0.0.1:port under dataDir/mariadb.
   * Attach: an existing server at host:port reached with the given administrative account.
   */
  public record MariaDb(MariaDbMode mode, String host, int port, String adminUser, String adminPassword) {}

  /**
   * The account a node's capture and its MariaDB's replica use to log in to the node's own MariaDB and
   * binlog server (both on 127.0.0.1). Its password is no config value: each node generates one in its
   * data dir (see NodeMariaDb).
   */
  public record Replication(String user) {}

  public enum ReadConsistency { LOCAL, BOUNDED, LINEARIZABLE }

  /** Proxy limits; all of these may change while the node runs. */
  public record Proxy(int maxConnections, long connectTimeoutMs, long idleTimeoutSeconds,
      ReadConsistency roConsistency, long roMaxLagMs) {}

  /** Timing of the Paxos core, in ticks of tickMs. */
  public record Paxos(long tickMs, long electionTicks, long leaseTicks, long driftMarginTicks) {}
}
