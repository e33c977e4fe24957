package io.paxosql.binlog.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The subscribers of a {@link TransactionLog}: what every implementation's subscribe and append share. */
public final class EntryListeners {
  private final List<Consumer<GtidAt>> listeners = new CopyOnWriteArrayList<>();

  /** {@link TransactionLog#subscribe}: {@code listener} sees every entry published from now on. */
  public AutoCloseable subscribe(Consumer<GtidAt> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Hands {@code entry} to every subscriber, on the caller's thread. */
  public void publish(GtidAt entry) {
    for (Consumer<GtidAt> l : listeners) {
      l.accept(entry);
    }
  }
}
