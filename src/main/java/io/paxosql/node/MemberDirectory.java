package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where each member of the cluster is reached (host and ports by node id), as this node knows it. Who
 * votes is not decided here: the Paxos log decides that (chosen membership changes). This only says
 * where an id lives, for members and for learners that are catching up to join.
 *
 * <p>It starts from the config's {@code members} list, then from {@code members.json} in the data
 * dir (written on every change, so a restarted node knows members added since its config was
 * written), then from whatever a reachable member answers ({@link MembershipDiscovery}). It also
 * keeps the <em>genesis</em> member set: the ids the cluster's log started with, the base every
 * chosen change applies to. A joiner takes it from the cluster, never from its own config.
 *
 * <p>Thread-safe: read by the proxy's and admin's threads, changed on the node's context.
 */
final class MemberDirectory {
  static final String FILE = "members.json";

  private final Path file;
  private final int self;
  private final TreeMap<Integer, NodeConfig.Member> members = new TreeMap<>();
  private SortedSet<Integer> genesis;
  /** Whether the genesis set is known for sure (told by the cluster, or this node initialised it); only then is it saved. */
  private boolean settled;

  private MemberDirectory(Path file, int self) {
    this.file = file;
    this.self = self;
  }

  /** The config's list, overlaid with what the data dir remembers; the node's own entry is the config's. */
  static MemberDirectory load(NodeConfig c) {
    MemberDirectory d = new MemberDirectory(c.dataDir().resolve(FILE), c.nodeId());
    c.members().forEach(m -> d.members.put(m.id(), m));
    try {
      if (Files.exists(d.file)) {
        JsonObject o = new JsonObject(Files.readString(d.file, StandardCharsets.UTF_8));
        d.merge(o);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + d.file + ": " + e.getMessage()
          + "; fix or delete it (the node then asks the listed members for the current membership)", e);
    }
    d.members.put(c.nodeId(), c.self());
    return d;
  }

  /** Takes the members (and the genesis set, if this node has none yet) from another node's answer. */
  synchronized boolean merge(JsonObject o) {
    boolean changed = false;
    JsonArray g = o.getJsonArray("genesis");
    if (genesis == null && g != null && !g.isEmpty()) {
      TreeSet<Integer> ids = new TreeSet<>();
      g.forEach(x -> ids.add(((Number) x).intValue()));
      genesis = Collections.unmodifiableSortedSet(ids);
      settled = true;
      changed = true;
    }
    for (Object x : o.getJsonArray("members", new JsonArray())) {
      NodeConfig.Member m = fromJson((JsonObject) x);
      if (m.id() != self && !m.equals(members.get(m.id()))) {
        members.put(m.id(), m);
        changed = true;
      }
    }
    return changed;
  }

  synchronized Optional<NodeConfig.Member> member(int id) {
    return Optional.ofNullable(members.get(id));
  }

  synchronized List<NodeConfig.Member> all() {
    return new ArrayList<>(members.values());
  }

  /** Adds or updates one member's address; false if it was known exactly so. */
  synchronized boolean put(NodeConfig.Member m) {
    if (m.id() == self) {
      return false;
    }
    return !m.equals(members.put(m.id(), m));
  }

  synchronized boolean remove(int id) {
    return id != self && members.remove(id) != null;
  }

  /** The set the cluster's log started with, or empty until this node decided it. */
  synchronized Optional<SortedSet<Integer>> genesis() {
    return Optional.ofNullable(genesis);
  }

  /** A guess from this node's own config, for a node that has not met its cluster yet; not saved. */
  synchronized void assumeGenesis(SortedSet<Integer> ids) {
    genesis = Collections.unmodifiableSortedSet(new TreeSet<>(ids));
  }

  /** The genesis set in use is the cluster's (this node initialised it, or voted under it): save it from now on. */
  synchronized void settleGenesis() {
    settled = genesis != null;
  }

  synchronized boolean genesisSettled() {
    return settled;
  }

  /** Every other member's Paxos address, for the transport: id → "host:paxosPort". */
  synchronized Map<Integer, String> paxosPeers() {
    Map<Integer, String> out = new TreeMap<>();
    members.values().stream().filter(m -> m.id() != self).forEach(m -> out.put(m.id(), m.host() + ":" + m.paxos()));
    return out;
  }

  synchronized JsonObject toJson() {
    JsonArray list = new JsonArray();
    members.values().forEach(m -> list.add(toJson(m)));
    JsonObject o = new JsonObject().put("members", list);
    if (genesis != null && settled) {
      o.put("genesis", new JsonArray(new ArrayList<>(genesis)));
    }
    return o;
  }

  /** Writes {@code members.json} atomically (temp file, fsync, rename); blocking, so on a worker thread. */
  void save() throws IOException {
    String text = toJson().encodePrettily();
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try (var ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static JsonObject toJson(NodeConfig.Member m) {
    return new JsonObject().put("id", m.id()).put("host", m.host()).put("paxos", m.paxos())
        .put("internal", m.internal()).put("admin", m.admin());
  }

  /** Reads one member; a missing or malformed field fails naming it. */
  static NodeConfig.Member fromJson(JsonObject o) {
    return new NodeConfig.Member(field(o, "id"), text(o, "host"), field(o, "paxos"), field(o, "internal"),
        field(o, "admin"));
  }

  private static int field(JsonObject o, String name) {
    Object v = o.getValue(name);
    if (!(v instanceof Number n) || n.intValue() <= 0) {
      throw new IllegalArgumentException("member field '" + name + "' must be a positive number, got " + v);
    }
    return n.intValue();
  }

  private static String text(JsonObject o, String name) {
    Object v = o.getValue(name);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException("member field '" + name + "' must be a host name or address, got " + v);
    }
    return s;
  }
}
