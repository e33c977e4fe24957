package io.paxosql.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs a Vert.x action on a given context from a test thread and waits for its result. */
public final class OnContext {
  private OnContext() {}

  /**
   * Starts {@code action} on {@code ctx} and returns its result, failing with its cause, within 60 s
   * (a first TLS start loads BouncyCastle: slow on a loaded machine).
   */
  public static <T> T await(Context ctx, Supplier<Future<T>> action) throws Exception {
    return await(ctx, action, Duration.ofSeconds(60));
  }

  /** As {@link #await(Context, Supplier)}, within {@code bound} (benchmarks run for minutes). */
  public static <T> T await(Context ctx, Supplier<Future<T>> action, Duration bound) throws Exception {
    CompletableFuture<T> cf = new CompletableFuture<>();
    ctx.runOnContext(v -> action.get().onComplete((r, e) -> {
      if (e != null) {
        cf.completeExceptionally(e);
      } else {
        cf.complete(r);
      }
    }));
    return cf.get(bound.toMillis(), TimeUnit.MILLISECONDS);
  }
}
