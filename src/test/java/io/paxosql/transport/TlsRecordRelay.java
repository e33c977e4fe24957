package io.paxosql.transport;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay in front of a port that counts the TLS records sent to that port, by their 5-byte
 * headers (type, version, length). After the handshake every TLS 1.3 record is typed application data, so
 * all of them count; {@link #reset} once the links are up to count only what follows.
 */
final class TlsRecordRelay {
  private final AtomicLong records = new AtomicLong();
  private int port;

  private TlsRecordRelay() {}

  /** A relay on a free loopback port, forwarding every connection to {@code target} on 127.0.0.1. */
  static TlsRecordRelay start(Vertx vertx, int target) throws Exception {
    TlsRecordRelay r = new TlsRecordRelay();
    NetServer server = vertx.createNetServer().connectHandler(in -> r.relay(vertx, in, target));
    r.port = server.listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS).actualPort();
    return r;
  }

  int port() {
    return port;
  }

  long records() {
    return records.get();
  }

  void reset() {
    records.set(0);
  }

  private void relay(Vertx vertx, NetSocket in, int target) {
    in.pause();
    vertx.createNetClient().connect(target, "127.0.0.1").onSuccess(out -> {
      RecordParser parser = new RecordParser();
      in.handler(b -> {
        parser.count(b);
        out.write(b);
      });
      out.handler(in::write);
      in.closeHandler(v -> out.close());
      out.closeHandler(v -> in.close());
      in.resume();
    }).onFailure(err -> in.close());
  }

  /** Where one connection's byte stream is: inside a record header, or inside a record's body. */
  private final class RecordParser {
    private final int[] header = new int[5];
    private int headerRead;
    private long bodyLeft;

    void count(Buffer b) {
      int i = 0;
      int n = b.length();
      while (i < n) {
        if (bodyLeft > 0) {
          int k = (int) Math.min(bodyLeft, n - i);
          bodyLeft -= k;
          i += k;
          continue;
        }
        header[headerRead++] = b.getByte(i++) & 0xff;
        if (headerRead == header.length) {
          headerRead = 0;
          bodyLeft = (header[3] << 8) | header[4];
          records.incrementAndGet();
        }
      }
    }
  }
}
