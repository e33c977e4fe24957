package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class ProxyProtocolHeaderTest {

  @Test
  void v1LinesRoundTrip() {
    ProxyProtocolHeader v4 = new ProxyProtocolHeader("10.0.0.7", 51234, "10.0.0.1", 6411);
    assertEquals("PROXY TCP4 10.0.0.7 10.0.0.1 51234 6411\r\n", v4.encode().toString());
    assertEquals(v4, ProxyProtocolHeader.parse(v4.encode().toString()));
    ProxyProtocolHeader v6 = new ProxyProtocolHeader("0:0:0:0:0:0:0:1", 1, "0:0:0:0:0:0:0:1", 2);
    assertTrue(v6.encode().toString().startsWith("PROXY TCP6 "));
    assertEquals(v6, ProxyProtocolHeader.parse(v6.encode().toString()));
  }

  @Test
  void badLinesAreRejectedWithTheReason() {
    for (String bad : new String[] {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "GET / HTTP/1.1\r\n",
        "PROXY TCP4 a.b.c.d 5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n",
        "PROXY UNKNOWN\r\n"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ProxyProtocolHeader.parse(bad));
      assertTrue(e.getMessage().contains("PROXY"), e.getMessage());
    }
  }

  @Test
  void findsTheEndOrGivesUpAfter107Bytes() {
    assertEquals(-1, ProxyProtocolHeader.endOf(Buffer.buffer("PROXY TCP4 1.2.3.4")));
    assertEquals(8, ProxyProtocolHeader.endOf(Buffer.buffer("PROXY \r\nrest")));
    assertThrows(IllegalArgumentException.class,
        () -> ProxyProtocolHeader.endOf(Buffer.buffer("x".repeat(200))));
  }
}
