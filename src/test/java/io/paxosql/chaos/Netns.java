package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.List;

/**
 * The chaos topology's network: one namespace per node (n1..nN) and one for the clients (cli), each
 * with an address on a bridge that lives in its own namespace (br), so nothing in the host's namespace
 * can reach 10.231.17.0/24 and deleting our namespaces removes every device we made. Partitions are
 * made inside the namespaces: a blackhole route drops what one node sends to another; a link taken
 * down on the bridge cuts a node off from everyone, clients included. A one-way cut is an nftables rule
 * in the receiver's namespace that drops what the sender sends on connections the sender opened
 * (conntrack's original direction): every node sends its Paxos messages on a stream it opened itself, so
 * the receiver no longer hears the sender while the sender still hears the receiver on the receiver's
 * own streams (TCP's acknowledgements flow in the reply direction and are let through).
 */
final class Netns {
  /**
   * Names the run's namespaces (default pxc): two runs at once on one machine (a test suite and a
   * developer's `make chaos`) must use different prefixes, since each removes its prefix's namespaces at
   * its start and end. Passed on to the run's own process by {@link ChaosHarness}.
   */
  static final String PREFIX_PROPERTY = "chaos.netns";
  static final String PREFIX = System.getProperty(PREFIX_PROPERTY, "pxc") + "-";
  static final String SUBNET = "10.231.17.";
  static final String BRIDGE_NS = PREFIX + "br";
  static final String CLIENT_NS = PREFIX + "cli";
  private final int nodes;

  Netns(int nodes) {
    this.nodes = nodes;
  }

  static String nodeNs(int id) {
    return PREFIX + "n" + id;
  }

  static String nodeAddress(int id) {
    return SUBNET + (10 + id);
  }

  static String clientAddress() {
    return SUBNET + "100";
  }

  /** Whether this process may make namespaces: root, with an `ip` that knows `netns`. */
  static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the chaos suite needs root to create network namespaces (running as "
          + System.getProperty("user.name") + "); run it as root";
    }
    Sh.Result r = Sh.quiet("ip", "netns", "list");
    if (r.exit() != 0) {
      return "`ip netns` is not available here (" + r.output().strip() + "); install iproute2";
    }
    if (Sh.quiet("sh", "-c", "command -v nft").exit() != 0) {
      return "nft (nftables) is missing, needed for one-way cuts; run `make deps` as root";
    }
    return LogDisks.unavailableReason();
  }

  /** Our namespaces left behind by an earlier run that crashed: names only, from `ip netns list`. */
  static List<String> leftovers() {
    List<String> ours = new ArrayList<>();
    for (String line : Sh.quiet("ip", "netns", "list").output().split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith(PREFIX)) {
        ours.add(name);
      }
    }
    return ours;
  }

  /**
   * Kills every process still inside one of our namespaces (they can only be ours: we made the
   * namespace) and deletes the namespaces; deleting one destroys its end of each veth pair and the bridge.
   */
  static List<String> removeAll() {
    List<String> done = new ArrayList<>();
    for (String ns : leftovers()) {
      for (String pid : Sh.quiet("ip", "netns", "pids", ns).output().split("\\s+")) {
        if (pid.matches("\\d+")) {
          Sh.quiet("kill", "-CONT", pid);
          Sh.quiet("kill", "-9", pid);
          done.add("killed pid " + pid + " in " + ns);
        }
      }
      Sh.quiet("ip", "netns", "del", ns);
      done.add("deleted namespace " + ns);
    }
    return done;
  }

  void create() {
    Sh.must("ip", "netns", "add", BRIDGE_NS);
    Sh.must("ip", "-n", BRIDGE_NS, "link", "add", "br0", "type", "bridge");
    Sh.must("ip", "-n", BRIDGE_NS, "link", "set", "br0", "up");
    for (int id = 1; id <= nodes; id++) {
      attach(nodeNs(id), "v" + id, nodeAddress(id));
    }
    attach(CLIENT_NS, "vc", clientAddress());
    for (int id = 1; id <= nodes; id++) {
      firewall(nodeNs(id));
    }
  }

  /**
   * An nftables table in a node's namespace whose input chain jumps to an empty {@code oneway} chain,
   * where one-way cuts go. Made before any node starts: its conntrack expression turns connection
   * tracking on in the namespace, so every connection's direction is known from its first packet.
   */
  private static void firewall(String ns) {
    Sh.must("ip", "netns", "exec", ns, "nft", "add", "table", "inet", "pxc");
    Sh.must("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "pxc", "oneway");
    Sh.must("ip", "netns", "exec", ns, "nft",
        "add chain inet pxc in { type filter hook input priority 0 ; policy accept ; }");
    Sh.must("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "pxc", "in", "ct", "state", "invalid", "counter");
    Sh.must("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "pxc", "in", "jump", "oneway");
  }

  /**
   * Node {@code to} stops hearing node {@code from}: what {@code from} sends on connections it opened to
   * {@code to} is dropped on arrival; {@code to}'s own connections to {@code from} work both ways.
   */
  void deafen(int to, int from) {
    Sh.must("ip", "netns", "exec", nodeNs(to), "nft", "add", "rule", "inet", "pxc", "oneway", "ip", "saddr",
        nodeAddress(from), "ct", "direction", "original", "drop");
  }

  private void attach(String ns, String bridgeSide, String address) {
    Sh.must("ip", "netns", "add", ns);
    Sh.must("ip", "-n", BRIDGE_NS, "link", "add", bridgeSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
    Sh.must("ip", "-n", BRIDGE_NS, "link", "set", bridgeSide, "master", "br0");
    Sh.must("ip", "-n", BRIDGE_NS, "link", "set", bridgeSide, "up");
    Sh.must("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
    Sh.must("ip", "-n", ns, "link", "set", "lo", "up");
    Sh.must("ip", "-n", ns, "link", "set", "eth0", "up");
  }

  /** Drops everything node {@code from} sends to node {@code to} (a one-way cut at the sender). */
  void cut(int from, int to) {
    Sh.must("ip", "-n", nodeNs(from), "route", "replace", "blackhole", nodeAddress(to) + "/32");
  }

  /** Takes node {@code id}'s link to the bridge down: no one reaches it, not even clients. */
  void isolate(int id) {
    Sh.must("ip", "-n", BRIDGE_NS, "link", "set", "v" + id, "down");
  }

  /** Undoes every cut and isolation. */
  void heal() {
    for (int id = 1; id <= nodes; id++) {
      Sh.quiet("ip", "-n", BRIDGE_NS, "link", "set", "v" + id, "up");
      Sh.quiet("ip", "netns", "exec", nodeNs(id), "nft", "flush", "chain", "inet", "pxc", "oneway");
      for (int to = 1; to <= nodes; to++) {
        if (to != id) {
          Sh.quiet("ip", "-n", nodeNs(id), "route", "del", "blackhole", nodeAddress(to) + "/32");
        }
      }
    }
  }
}
