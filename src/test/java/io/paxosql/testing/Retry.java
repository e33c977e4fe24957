package io.paxosql.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The tests' one way to wait and to retry: always bounded, and a failure names what was awaited and
 * carries the last error seen, so a test that gives up says why instead of hanging or guessing.
 */
public final class Retry {
  private static final long PAUSE_MS = 20;

  private Retry() {}

  /** Polls {@code condition} until it holds; fails after {@code max} naming {@code what}. */
  public static void waitFor(String what, Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + max + " waiting for " + what);
      }
      pause(what);
    }
  }

  /**
   * Runs {@code attempt} until it returns, retrying on any exception. After {@code max} it fails with
   * the last exception as the cause.
   */
  public static <T> T until(String what, Duration max, Callable<T> attempt) {
    long deadline = System.nanoTime() + max.toNanos();
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        return attempt.call();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // a test timeout: stop, do not retry
        throw new AssertionError("interrupted: " + what, e);
      } catch (Exception e) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError(what + ": gave up after " + attempts + " attempts in " + max
              + "; last error: " + e, e);
        }
      }
      pause(what);
    }
  }

  private static void pause(String what) {
    try {
      TimeUnit.MILLISECONDS.sleep(PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    }
  }
}
