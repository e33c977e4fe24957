package io.paxosql.bench;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The binlog checksum (MariaDB's binlog_checksum=CRC32) over event-sized buffers: every event the
 * capture receives is verified and every event the binlog server sends is re-summed, so this bounds
 * the cost per event. Sizes: a small row event, a 4 KB row batch, a 64 KB multi-row event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Crc32Benchmark {
  @Param({"200", "4096", "65536"})
  int size;

  private byte[] heap;
  private ByteBuffer direct;

  @Setup
  public void fill() {
    heap = new byte[size];
    new Random(42).nextBytes(heap);
    direct = ByteBuffer.allocateDirect(size);
    direct.put(heap).flip();
  }

  @Benchmark
  public long heapArray() {
    CRC32 crc = new CRC32();
    crc.update(heap, 0, heap.length);
    return crc.getValue();
  }

  @Benchmark
  public long directBuffer() {
    CRC32 crc = new CRC32();
    crc.update(direct.duplicate());
    return crc.getValue();
  }
}
