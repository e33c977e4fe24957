package io.paxosql.proxy;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The master route as last published: the node sets it on every master change (promote, fence, a
 * new master seen in the chain), and the standalone proxy sets one fixed route. Listeners hear each change.
 */
public final class LiveMasterLocator implements MasterLocator {
  private final List<Consumer<MasterRoute>> listeners = new CopyOnWriteArrayList<>();
  private volatile MasterRoute route;

  public LiveMasterLocator(MasterRoute initial) {
    this.route = Objects.requireNonNull(initial, "initial");
  }

  @Override
  public MasterRoute current() {
    return route;
  }

  @Override
  public void onChange(Consumer<MasterRoute> listener) {
    listeners.add(listener);
  }

  /** Changes the master; listeners run on the caller's thread. */
  public void set(MasterRoute next) {
    Objects.requireNonNull(next, "next");
    if (next.equals(route)) {
      return;
    }
    route = next;
    for (Consumer<MasterRoute> l : listeners) {
      l.accept(next);
    }
  }
}
