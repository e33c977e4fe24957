package io.paxosql.bench;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.TransactionParser;
import io.paxosql.binlog.event.AnnotateRowsEvent;
import io.paxosql.binlog.event.Checksum;
import io.paxosql.binlog.event.EventCodec;
import io.paxosql.binlog.event.EventHeader;
import io.paxosql.binlog.event.EventType;
import io.paxosql.binlog.event.GtidEvent;
import io.paxosql.binlog.event.RowsEvent;
import io.paxosql.binlog.event.TableMapEvent;
import io.paxosql.binlog.event.XidEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The binlog hot path per event: header decode + CRC32 verify (what the capture does to every
 * received event), and the boundary parser over a stream shaped like sysbench's write transactions
 * (Gtid, Annotate_rows, Table_map, rows, Xid), reported per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BinlogBenchmark {
  static final int TRANSACTIONS = 1000;
  static final int EVENTS_PER_TRANSACTION = 5;

  @Param({"60", "1024"})
  int rowBytes;

  private byte[] rowEvent;
  private List<byte[]> stream;

  @Setup
  public void build() {
    Random rnd = new Random(42);
    byte[] rows = new byte[rowBytes];
    rnd.nextBytes(rows);
    rowEvent = EventCodec.build(1_700_000_000L, 1, 4096, 0,
        new RowsEvent(EventType.WRITE_ROWS_V1, 42, RowsEvent.FLAG_STMT_END, 4, rows), true);
    stream = new ArrayList<>();
    long pos = 4;
    for (int i = 1; i <= TRANSACTIONS; i++) {
      stream.add(EventCodec.build(1, 1, pos += 42, 0, new GtidEvent(i, 0,
          GtidEvent.FL_TRANSACTIONAL | GtidEvent.FL_ALLOW_PARALLEL, 0, new byte[6]), true));
      stream.add(EventCodec.build(1, 1, pos += 80, 0,
          new AnnotateRowsEvent("INSERT INTO sbtest1 (k, c, pad) VALUES (?, ?, ?)".getBytes(StandardCharsets.UTF_8)),
          true));
      stream.add(EventCodec.build(1, 1, pos += 50, 0,
          new TableMapEvent(42, 1, "sbtest", "sbtest1", 4, new byte[] {3, 3, (byte) 254, (byte) 254, 4, 1, 1, 0}),
          true));
      stream.add(EventCodec.build(1, 1, pos += rowBytes + 30, 0,
          new RowsEvent(EventType.WRITE_ROWS_V1, 42, RowsEvent.FLAG_STMT_END, 4, rows), true));
      stream.add(EventCodec.build(1, 1, pos += 31, 0, new XidEvent(i), true));
    }
  }

  @Benchmark
  public long headerDecodeAndChecksum() {
    EventHeader h = EventHeader.decode(rowEvent, 0);
    Checksum.verify(rowEvent);
    return h.logPos();
  }

  @Benchmark
  @OperationsPerInvocation(TRANSACTIONS * EVENTS_PER_TRANSACTION)
  public void boundaryParserEvents(Blackhole bh) {
    TransactionParser p = new TransactionParser(true, "mysql-bin.000001");
    for (byte[] e : stream) {
      Optional<Transaction> t = p.accept(e);
      if (t.isPresent()) {
        bh.consume(t.get());
      }
    }
  }
}
