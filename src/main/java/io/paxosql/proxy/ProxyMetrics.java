package io.paxosql.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One port's counters, registered in the node's Micrometer registry under {@code paxosql.proxy.*}
 * with tag {@code port=rw|ro|internal}. Counters are resolved once so the hot path only adds.
 */
final class ProxyMetrics {
  final AtomicInteger open = new AtomicInteger();
  final Counter total;
  final Counter refusedLimit;
  final Counter refusedNoMaster;
  final Counter refusedBackend;
  final Counter refusedNotMember;
  /** Internal hop only: TLS handshakes refused (no certificate, or not one of the cluster CA). */
  final Counter refusedTls;
  final Counter bytesFromClient;
  final Counter bytesFromServer;
  final Counter packetsFromClient;
  final Counter packetsFromServer;
  final Counter protocolErrors;
  final Counter trackingAnomalies;
  final Counter closedByMasterChange;
  final Counter readsChecked;
  final Counter readsRefusedLag;
  final Counter readsRefusedBarrier;
  final Counter readGatePauses;

  ProxyMetrics(MeterRegistry registry, ProxyRole role) {
    String port = role.tag();
    Gauge.builder("paxosql.proxy.connections.open", open, AtomicInteger::get).tag("port", port)
        .description("client connections open now").register(registry);
    total = Counter.builder("paxosql.proxy.connections.total").tag("port", port)
        .description("client connections accepted").register(registry);
    refusedLimit = refused(registry, port, "limit");
    refusedNoMaster = refused(registry, port, "no_master");
    refusedBackend = refused(registry, port, "backend_unreachable");
    refusedNotMember = refused(registry, port, "not_member");
    refusedTls = refused(registry, port, "tls_handshake");
    bytesFromClient = Counter.builder("paxosql.proxy.bytes").tag("port", port)
        .tag("direction", "client_to_server").register(registry);
    bytesFromServer = Counter.builder("paxosql.proxy.bytes").tag("port", port)
        .tag("direction", "server_to_client").register(registry);
    packetsFromClient = Counter.builder("paxosql.proxy.packets").tag("port", port)
        .tag("direction", "client_to_server").register(registry);
    packetsFromServer = Counter.builder("paxosql.proxy.packets").tag("port", port)
        .tag("direction", "server_to_client").register(registry);
    protocolErrors = Counter.builder("paxosql.proxy.errors").tag("port", port)
        .tag("kind", "protocol").description("connections cut for breaking the protocol")
        .register(registry);
    trackingAnomalies = Counter.builder("paxosql.proxy.errors").tag("port", port)
        .tag("kind", "tracking").description("packets the session tracker could not follow")
        .register(registry);
    closedByMasterChange = Counter.builder("paxosql.proxy.errors").tag("port", port)
        .tag("kind", "master_changed").register(registry);
    readsChecked = Counter.builder("paxosql.proxy.reads.checked").tag("port", port)
        .description("statements held for a bounded or linearizable check").register(registry);
    readsRefusedLag = Counter.builder("paxosql.proxy.reads.refused").tag("port", port)
        .tag("reason", "lag").register(registry);
    readsRefusedBarrier = Counter.builder("paxosql.proxy.reads.refused").tag("port", port)
        .tag("reason", "read_index").register(registry);
    readGatePauses = Counter.builder("paxosql.proxy.read.gate.pauses").tag("port", port)
        .description("times the RO read gate held its byte limit and stopped reading from the client")
        .register(registry);
  }

  private static Counter refused(MeterRegistry registry, String port, String reason) {
    return Counter.builder("paxosql.proxy.connections.refused").tag("port", port)
        .tag("reason", reason).register(registry);
  }
}
