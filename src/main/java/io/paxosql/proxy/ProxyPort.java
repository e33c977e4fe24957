package io.paxosql.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** State one listening port shares across its event loops: settings, counters, open sessions. */
final class ProxyPort {
  private final ProxyRole role;
  private volatile ProxySettings settings;
  private final MasterLocator locator;
  private final ProxyMetrics metrics;
  private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
  private volatile ReadPolicy readPolicy = ReadPolicy.LOCAL;
  private volatile ReadBarrier readBarrier = ReadBarrier.NONE;
  private volatile MemberHop memberHop = MemberHop.PLAINTEXT;

  ProxyPort(ProxyRole role, ProxySettings settings, MasterLocator locator, ProxyMetrics metrics) {
    this.role = role;
    this.settings = settings;
    this.locator = locator;
    this.metrics = metrics;
  }

  ProxyRole role() {
    return role;
  }

  ProxySettings settings() {
    return settings;
  }

  /** New limits for connections accepted from now on (config hot reload). */
  void update(ProxySettings next) {
    settings = next;
  }

  ReadPolicy readPolicy() {
    return readPolicy;
  }

  ReadBarrier readBarrier() {
    return readBarrier;
  }

  /** Statements that start after this call use the new policy. */
  void readPolicy(ReadPolicy policy, ReadBarrier barrier) {
    readBarrier = barrier;
    readPolicy = policy;
  }

  MemberHop memberHop() {
    return memberHop;
  }

  void memberHop(MemberHop hop) {
    memberHop = hop;
  }

  MasterLocator locator() {
    return locator;
  }

  ProxyMetrics metrics() {
    return metrics;
  }

  void register(ProxyConnection c) {
    connections.add(c);
  }

  void unregister(ProxyConnection c) {
    connections.remove(c);
  }

  Set<ProxyConnection> connections() {
    return connections;
  }
}
