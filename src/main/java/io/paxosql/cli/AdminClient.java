package io.paxosql.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * The CLI's one client of nodes' admin ports: blocking JSON calls that send the admin token when one is
 * given, and fail with a sentence naming the node, the call and what the operator can do. Every admin
 * command goes through here: single calls through {@link AdminCommand#call}, multi-step commands
 * (rolling restart) through {@link #get}/{@link #post}.
 */
final class AdminClient {
  private final HttpClient http;
  private final Duration timeout;
  private final Optional<String> token;

  /**
   * @param timeout how long a call may wait for its answer (and for the connection)
   * @param token the admin token sent with every call (mutating calls need it), if any
   */
  AdminClient(Duration timeout, Optional<String> token) {
    this(timeout, timeout, token);
  }

  /** As {@link #AdminClient(Duration, Optional)}, with a connect timeout of its own. */
  AdminClient(Duration connectTimeout, Duration timeout, Optional<String> token) {
    this.timeout = timeout;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
  }

  /** No JSON answer came (unreachable, timed out, not an admin port), or the node refused: why, in a sentence. */
  static final class AdminCallException extends Exception {
    AdminCallException(String message) {
      super(message);
    }
  }

  /** A node's JSON answer with its HTTP status; 4xx/5xx answers carry error, message and hint. */
  record Answer(int status, JsonObject body) {
    boolean refused() {
      return status >= 400;
    }
  }

  /** GET {@code path}; a refusal fails with the node's error, message and hint. */
  JsonObject get(AdminAddress node, String path) throws AdminCallException {
    return accepted(node, "GET", path, exchange(node, "GET", path, null));
  }

  /** POST {@code body} to {@code path}; a refusal fails with the node's error, message and hint. */
  JsonObject post(AdminAddress node, String path, JsonObject body) throws AdminCallException {
    return accepted(node, "POST", path, exchange(node, "POST", path, body));
  }

  /**
   * One call ({@code method} GET or POST; a POST without a body sends {}), whatever the status of its JSON
   * answer; fails only when no JSON answer came.
   */
  Answer exchange(AdminAddress node, String method, String path, JsonObject body) throws AdminCallException {
    String who = node.host() + ":" + node.port();
    HttpRequest.Builder req = HttpRequest.newBuilder(node.uri(path)).timeout(timeout);
    token.ifPresent(t -> req.header("Authorization", "Bearer " + t));
    if ("POST".equals(method)) {
      req.header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body.encode()));
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new AdminCallException("cannot reach node " + who + ": connection refused (" + method + " " + path
          + "). Is the node running, and is " + who + " its admin port (ports.admin in its config)?");
    } catch (HttpTimeoutException e) {
      throw new AdminCallException("node " + who + " did not answer " + method + " " + path + " within "
          + timeout.toMillis() + " ms; it may be overloaded or hung: check its log, or retry with a larger"
          + " --timeout-ms");
    } catch (IOException e) {
      throw new AdminCallException("cannot talk to node " + who + " (" + method + " " + path + "): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminCallException("interrupted while asking node " + who + " (" + method + " " + path + ")");
    }
    try {
      return new Answer(resp.statusCode(), new JsonObject(resp.body()));
    } catch (DecodeException e) {
      throw new AdminCallException("node " + who + " answered " + method + " " + path + " with HTTP "
          + resp.statusCode() + " and something that is not the paxosql admin API; is " + who
          + " really a paxosql admin port?");
    }
  }

  /** Whether a token is sent with the calls. */
  boolean sendsToken() {
    return token.isPresent();
  }

  private static JsonObject accepted(AdminAddress node, String method, String path, Answer a)
      throws AdminCallException {
    if (a.refused()) {
      JsonObject answer = a.body();
      String h = answer.getString("hint");
      throw new AdminCallException("node " + node.host() + ":" + node.port() + " refused " + method + " " + path
          + " (" + answer.getString("error", "?") + "): " + answer.getString("message", "")
          + (h == null || h.isEmpty() ? "" : "; what to do: " + h));
    }
    return a.body();
  }
}
