package io.paxosql.proxy;

import java.util.function.Consumer;

/**
 * Tells the proxy which node is master. The cluster's implementation follows the Paxos lease;
 * {@link StaticMasterLocator} takes it from configuration.
 */
public interface MasterLocator {

  /** The current route; never null. Cheap: called on every new RW connection and client read. */
  MasterRoute current();

  /** Registers a listener called (on any thread) after each change of {@link #current()}. */
  void onChange(Consumer<MasterRoute> listener);
}
