package io.paxosql.proxy;

import java.util.function.Consumer;

/**
 * Tells the proxy which node is master. {@link LiveMasterLocator} holds the route its owner last set
 * (the node follows the lease and the chain; the standalone proxy sets a fixed one).
 */
public interface MasterLocator {

  /** The current route; never null. Cheap: called on every new RW connection and client read. */
  MasterRoute current();

  /** Registers a listener called (on any thread) after each change of {@link #current()}. */
  void onChange(Consumer<MasterRoute> listener);
}
