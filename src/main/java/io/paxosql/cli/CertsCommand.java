package io.paxosql.cli;

import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.MemberIdentity;
import io.paxosql.tls.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code certs}: a cluster CA and one certificate per member, for the mutual TLS between members. The
 * node id is in each certificate (subjectAltName URI {@code paxosql://node/N}); peers are known by it.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = {"Create a cluster CA (DIR/ca.pem, DIR/ca.key) and a certificate per node (DIR/node-N.pem,"
        + " DIR/node-N.key) naming paxosql://node/N. A CA already in DIR is reused, so new members join the"
        + " same cluster; existing node certificates are never overwritten. Keys are written mode 0600.",
        "Point each node's tls.ca, tls.cert and tls.key at its files; copy ca.key nowhere: it mints members."})
final class CertsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the PEM files.")
  Path out;

  @Option(names = "--nodes", required = true, split = ",", paramLabel = "ID[,ID...]",
      description = "Node ids (1-4095) to issue certificates for.")
  List<Integer> nodes;

  @Option(names = "--hosts", required = true, split = ",", paramLabel = "HOST[,HOST...]",
      description = {"Addresses peers use to reach the nodes (DNS names or IPs), one per node in --nodes order,"
          + " or a single one for every node (e.g. 127.0.0.1 on one machine)."})
  List<String> hosts;

  @Option(names = "--cluster", defaultValue = "paxosql", paramLabel = "NAME",
      description = "Name in the CA's subject (default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--days", defaultValue = "825", paramLabel = "N",
      description = "Validity of node certificates in days (default: ${DEFAULT-VALUE}); a new CA gets ten years.")
  int days;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    if (hosts.size() != 1 && hosts.size() != nodes.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--hosts lists " + hosts.size() + " hosts for "
          + nodes.size() + " nodes: give one per node, in --nodes order, or one for all");
    }
    if (new LinkedHashSet<>(nodes).size() != nodes.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--nodes lists a node twice: " + nodes);
    }
    for (int id : nodes) {
      if (id < 1 || id > 4095) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--nodes: " + id + " is outside 1-4095");
      }
    }
    if (days < 1 || days > 36500) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--days must be 1-36500, got " + days);
    }
    try {
      ClusterCertificates ca = ClusterCertificates.openOrCreate(out, cluster, Duration.ofDays(3650));
      o.println("cluster CA: " + ClusterCertificates.caFile(out));
      for (int i = 0; i < nodes.size(); i++) {
        String host = hosts.size() == 1 ? hosts.get(0) : hosts.get(i);
        TlsFiles f = ca.issue(nodes.get(i), List.of(host), Duration.ofDays(days));
        o.println("node " + nodes.get(i) + " (" + MemberIdentity.uriOf(nodes.get(i)) + ", " + host + "): "
            + f.cert() + ", key " + f.key());
      }
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("certs: " + e.getMessage());
      return 1;
    }
    o.println("set in each node's config:  tls: { ca: ..., cert: ..., key: ... }");
    return 0;
  }

  /** The demo's certificates: one per node on loopback, made once and reused by later runs. */
  static List<TlsFiles> ensureDemo(Path dir, List<Integer> ids) throws IOException {
    ClusterCertificates ca = ClusterCertificates.openOrCreate(dir, "demo", Duration.ofDays(3650));
    List<TlsFiles> files = new ArrayList<>();
    for (int id : ids) {
      files.add(ca.ensure(id, List.of("127.0.0.1", "localhost"), Duration.ofDays(825)));
    }
    return files;
  }
}
