package io.paxosql.cli;

import java.net.URI;

/** A HOST:PORT given on the command line, checked before anything is sent. */
record AdminAddress(String host, int port) {
  static AdminAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:6415)");
    }
    String host = text.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': the port is not a number (e.g. 127.0.0.1:6415)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port " + port + " is not in 1..65535");
    }
    return new AdminAddress(host, port);
  }

  URI uri(String path) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + port + path);
  }
}
