package io.paxosql.node.status;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** The transfer running on this node now, if any: written by the copy, read by the admin port. */
public final class ProgressBoard {
  private final AtomicReference<TransferProgress> current = new AtomicReference<>();

  public void set(TransferProgress p) {
    current.set(p);
  }

  public void clear() {
    current.set(null);
  }

  public Optional<TransferProgress> current() {
    return Optional.ofNullable(current.get());
  }
}
