package io.paxosql.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Blocking JSON calls to nodes' admin ports for multi-step commands; failures carry the operator's words. */
final class AdminClient {
  private final HttpClient http;
  private final Duration timeout;

  AdminClient(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** A call that did not give a 2xx JSON answer: why, in a sentence. */
  static final class AdminCallException extends Exception {
    AdminCallException(String message) {
      super(message);
    }
  }

  JsonObject get(AdminAddress node, String path) throws AdminCallException {
    return send(node, HttpRequest.newBuilder(node.uri(path)).timeout(timeout).GET());
  }

  JsonObject post(AdminAddress node, String path, JsonObject body) throws AdminCallException {
    return send(node, HttpRequest.newBuilder(node.uri(path)).timeout(timeout)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private JsonObject send(AdminAddress node, HttpRequest.Builder req) throws AdminCallException {
    String who = node.host() + ":" + node.port();
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AdminCallException("node " + who + " did not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminCallException("interrupted while asking node " + who);
    }
    JsonObject answer;
    try {
      answer = new JsonObject(resp.body());
    } catch (DecodeException e) {
      throw new AdminCallException("node " + who + " answered HTTP " + resp.statusCode()
          + " with something that is not the paxosql admin API");
    }
    if (resp.statusCode() >= 400) {
      throw new AdminCallException("node " + who + " refused (" + answer.getString("error", "?") + "): "
          + answer.getString("message", "") + hint(answer));
    }
    return answer;
  }

  private static String hint(JsonObject answer) {
    String h = answer.getString("hint");
    return h == null || h.isEmpty() ? "" : "; what to do: " + h;
  }
}
