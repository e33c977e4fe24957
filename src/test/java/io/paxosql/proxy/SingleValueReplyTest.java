package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.ProtocolException;
import io.paxosql.mysql.TextResultSet;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SingleValueReplyTest {
  private static List<Buffer> withEof(String value) {
    return new TextResultSet(List.of("w"), List.of(Arrays.asList(value))).encode(2);
  }

  /** CLIENT_DEPRECATE_EOF: no EOF after the definitions, an OK with header 0xFE at the end. */
  private static List<Buffer> withoutEof(String value) {
    List<Buffer> eof = withEof(value);
    List<Buffer> out = new ArrayList<>(List.of(eof.get(0), eof.get(1), eof.get(3)));
    out.add(Buffer.buffer(new byte[] {(byte) 0xFE, 0, 0, 2, 0, 0, 0}));
    return out;
  }

  private static SingleValueReply.Outcome run(boolean deprecateEof, List<Buffer> payloads) {
    SingleValueReply r = new SingleValueReply(deprecateEof);
    SingleValueReply.Outcome o = null;
    for (int i = 0; i < payloads.size(); i++) {
      o = r.accept(payloads.get(i));
      assertEquals(i == payloads.size() - 1, o != null, "outcome only after the last packet");
    }
    return o;
  }

  @Test
  void readsTheValueInBothShapes() {
    assertEquals("0", run(false, withEof("0")).value());
    assertEquals("-1", run(true, withoutEof("-1")).value());
    assertNull(run(false, withEof(null)).value());
  }

  @Test
  void anErrIsTheOutcomeAndProgressReportsAreSkipped() {
    Buffer progress = Buffer.buffer(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 1, 0, 0, 0});
    Buffer err = new ErrPacket(1927, "70100", "Connection was killed").encode();
    SingleValueReply.Outcome o = run(true, List.of(progress, err));
    assertEquals(1927, o.error().errorCode());
    assertEquals("Connection was killed", o.error().message());
  }

  @Test
  void anythingButOneValueIsAProtocolError() {
    SingleValueReply ok = new SingleValueReply(true);
    assertThrows(ProtocolException.class, () -> ok.accept(Buffer.buffer(new byte[] {0, 0, 0, 2, 0, 0, 0})));
    List<Buffer> two = new TextResultSet(List.of("a", "b"), List.of(List.of("1", "2"))).encode(2);
    assertThrows(ProtocolException.class, () -> new SingleValueReply(false).accept(two.get(0)));
  }
}
