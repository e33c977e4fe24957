package io.paxosql.binlog.e2e;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.capture.TransactionSink;
import io.paxosql.binlog.log.TransactionLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;

/** A sink that can withhold confirmation: while closed, transactions wait (in order) before reaching the log. */
final class GatedSink implements TransactionSink {
  private final TransactionLog log;
  private final ArrayDeque<Runnable> held = new ArrayDeque<>();
  private boolean open = true;
  private int withheld;

  GatedSink(TransactionLog log) {
    this.log = log;
  }

  @Override
  public synchronized Future<?> append(Transaction tx) {
    if (open) {
      return log.append(tx);
    }
    Promise<Object> p = Promise.promise();
    held.add(() -> log.append(tx).onComplete(ar -> {
      if (ar.succeeded()) {
        p.complete(ar.result());
      } else {
        p.fail(ar.cause());
      }
    }));
    withheld++;
    return p.future();
  }

  synchronized void close() {
    open = false;
  }

  synchronized int withheld() {
    return withheld;
  }

  /** Opens the gate and confirms everything held, in order. */
  synchronized void open() {
    open = true;
    while (!held.isEmpty()) {
      held.poll().run();
    }
  }
}
