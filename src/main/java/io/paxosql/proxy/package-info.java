/**
 * The MySQL-protocol proxy of a node: {@link io.paxosql.proxy.ProxyServer} opens the RW, RO and
 * member-only internal ports described by {@link io.paxosql.proxy.ProxySettings}, routes RW by a
 * {@link io.paxosql.proxy.MasterLocator}, and counts into a Micrometer registry. Each connection
 * ({@code ProxyConnection}) relays reads unchanged after a {@code SessionInspector} (two scanning framers and a {@link io.paxosql.proxy.SessionTracker}) has looked at them. Design decisions (TLS
 * relayed, PROXY v1, refusals as ERR packets) are in ARCHITECTURE.md, section "Proxy".
 */
package io.paxosql.proxy;
