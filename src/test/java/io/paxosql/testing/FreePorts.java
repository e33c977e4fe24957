package io.paxosql.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback ports that are free now and were not handed out before in this JVM. Ports come
 * from 20000-32767, below Linux's ephemeral range, so outgoing connections do not steal them and
 * test JVMs running side by side rarely pick the same one.
 */
public final class FreePorts {
  private static final int LOW = 20000;
  private static final int HIGH = 32767;
  private static final Set<Integer> ISSUED = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  public static int next() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH + 1);
      if (ISSUED.add(port) && bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free loopback port found in " + LOW + "-" + HIGH);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
