package io.paxosql.proxy;

/** A snapshot of one proxied session, for tests and the admin API. */
public record SessionInfo(ProxyRole role, String client, SessionTracker.Phase phase, String schema,
    int commandInFlight, long commands, long anomalies, String lastAnomaly) {}
