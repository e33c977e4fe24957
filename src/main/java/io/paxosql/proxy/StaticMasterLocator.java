package io.paxosql.proxy;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A master fixed by configuration; {@link #set} applies a reloaded configuration. */
public final class StaticMasterLocator implements MasterLocator {
  private final List<Consumer<MasterRoute>> listeners = new CopyOnWriteArrayList<>();
  private volatile MasterRoute route;

  public StaticMasterLocator(MasterRoute initial) {
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
