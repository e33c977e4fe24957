package io.paxosql.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child process for the kill -9 test: appends chosen values as fast as it can and prints
 * "durable N" each time everything below N is reported persisted. The parent kills it at a random moment.
 */
public final class CrashWriterMain {
  private CrashWriterMain() {}

  public static void main(String[] args) throws Exception {
    PaxosLog log = PaxosLog.open(LogConfig.defaults(Path.of(args[0])), Runnable::run, t -> {
      t.printStackTrace();
      System.exit(3);
    });
    long next = log.chosenBelow();
    System.out.println("durable " + next);
    System.out.flush();
    AtomicLong inFlight = new AtomicLong();
    while (true) {
      List<LogRecord> batch = new ArrayList<>();
      int n = ThreadLocalRandom.current().nextInt(1, 20);
      for (int i = 0; i < n; i++, next++) {
        batch.add(new LogRecord.Chosen(next, LogFixture.value(next, 100 + (int) (next % 900))));
      }
      long end = next;
      inFlight.incrementAndGet();
      log.persist(batch, () -> {
        System.out.println("durable " + end);
        System.out.flush();
        inFlight.decrementAndGet();
      });
      while (inFlight.get() > 8) {
        Thread.onSpinWait();
      }
    }
  }
}
