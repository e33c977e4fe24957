package io.paxosql.proxy;

import java.util.Objects;

/** Where RW connections go right now, as a {@link MasterLocator} sees it. */
public sealed interface MasterRoute {

  /** This node is the master: relay to the local MariaDB. */
  record Local(String nodeId) implements MasterRoute {
    public Local {
      Objects.requireNonNull(nodeId, "nodeId");
    }
  }

  /** Another node is master: relay through its member-only internal proxy port. */
  record Remote(String nodeId, String host, int internalPort) implements MasterRoute {
    public Remote {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(host, "host");
      if (internalPort <= 0 || internalPort > 65535) {
        throw new IllegalArgumentException("internal proxy port of node " + nodeId
            + " must be 1-65535, got " + internalPort);
      }
    }
  }

  /** No usable master; {@code reason} is shown to clients after "no master: ". */
  record None(String reason) implements MasterRoute {
    public None {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
