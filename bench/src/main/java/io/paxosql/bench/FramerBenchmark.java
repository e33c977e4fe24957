package io.paxosql.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.mysql.PacketFramer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The packet framer on a realistic mix of result-set traffic, cut into 64 KB reads the way the
 * event loop receives them. One operation is one packet (of {@value #PACKETS} per stream), so
 * {@code -prof gc}'s {@code gc.alloc.rate.norm} is bytes allocated per packet. Throughput in bytes:
 * ops/s × {@link #meanPacketBytes} (printed at setup).
 *
 * <ul>
 *   <li>{@code scanning}: what the proxy runs on every byte (boundaries + prefix, no payload kept).
 *   <li>{@code assembling}: what the capture and binlog server run (whole packets, sliced).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FramerBenchmark {
  static final int PACKETS = 10_000;
  static final int READ = 64 * 1024;

  /** heap: byte[]-backed buffers; direct: pooled direct ByteBufs as Netty hands them to Vert.x. */
  @Param({"heap", "direct"})
  String memory;

  private final List<Buffer> reads = new ArrayList<>();
  private PacketFramer scanner;
  private PacketFramer assembler;
  private Blackhole sink;
  private long checksum;

  @Setup(Level.Trial)
  public void buildStream(Blackhole bh) {
    sink = bh;
    Random random = new Random(42);
    Buffer stream = Buffer.buffer();
    for (int i = 0; i < PACKETS; i++) {
      int kind = random.nextInt(100);
      int size;
      if (kind < 40) {
        size = 5 + random.nextInt(7); // OK, EOF, tiny rows
      } else if (kind < 80) {
        size = 20 + random.nextInt(180); // column definitions, typical rows
      } else if (kind < 95) {
        size = 200 + random.nextInt(1800); // wide rows, statements
      } else {
        size = 2048 + random.nextInt(14_336); // TEXT/BLOB rows
      }
      byte[] payload = new byte[size];
      random.nextBytes(payload);
      PacketCodec.encodeTo(stream, i & 0xFF, Buffer.buffer(payload));
    }
    System.out.printf("%nstream: %d packets, %d bytes, mean %.1f bytes per packet on the wire%n",
        PACKETS, stream.length(), stream.length() / (double) PACKETS);
    for (int off = 0; off < stream.length(); off += READ) {
      Buffer read = stream.slice(off, Math.min(stream.length(), off + READ));
      if (memory.equals("direct")) {
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(read.length());
        direct.writeBytes(read.getBytes());
        reads.add(BufferInternal.buffer(direct));
      } else {
        reads.add(Buffer.buffer(read.getBytes()));
      }
    }
    scanner = PacketFramer.scanning(1L << 30, 32,
        (seq, last, len, prefix, n) -> checksum += len + (n > 0 ? prefix[0] : 0));
    assembler = PacketFramer.assembling(1L << 30, this::consume);
  }

  private void consume(Packet p) {
    sink.consume(p);
  }

  @Benchmark
  @OperationsPerInvocation(PACKETS)
  public long scanning() {
    for (Buffer read : reads) {
      scanner.feed(read);
    }
    return checksum;
  }

  @Benchmark
  @OperationsPerInvocation(PACKETS)
  public void assembling() {
    for (Buffer read : reads) {
      assembler.feed(read);
    }
  }
}
