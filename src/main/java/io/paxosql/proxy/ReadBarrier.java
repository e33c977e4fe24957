package io.paxosql.proxy;

import io.vertx.core.Future;

/**
 * What the RO port needs from the node to serve reads that are not merely local. Implementations
 * are called from any proxy event loop and must be thread-safe.
 */
public interface ReadBarrier {

  /**
   * A GTID position ({@code domain-server-seq[,...]}, empty when nothing was ever written) that
   * covers every transaction committed before this call, confirmed by the master while it holds
   * its lease. Fails when no master answers; the caller then refuses the statement.
   */
  Future<String> readIndex();

  /**
   * An upper bound, in milliseconds, of how long the oldest transaction the chain holds and the
   * local MariaDB has not applied has been waiting; 0 when it has applied everything.
   */
  long replicaLagMs();

  /** For ports that never leave LOCAL mode. */
  ReadBarrier NONE = new ReadBarrier() {
    @Override
    public Future<String> readIndex() {
      return Future.failedFuture("this proxy has no read barrier: only LOCAL reads are available");
    }

    @Override
    public long replicaLagMs() {
      return Long.MAX_VALUE;
    }
  };
}
