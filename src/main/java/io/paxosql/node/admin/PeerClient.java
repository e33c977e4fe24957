package io.paxosql.node.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * How a node asks another member's admin port something: JSON over HTTP with a short timeout, sending
 * this node's credential. Every cross-node admin call (the cluster status, the status page's overview,
 * init, the membership commands, a starting node asking members for the membership, a seeding node asking
 * donors for their state) goes through here, so
 * credentials between members and the wording of their failures are set up in one place.
 */
public final class PeerClient {
  private final HttpClient http;
  private final long timeoutMs;
  private final Supplier<String> authorization;

  /** {@code authorization}: the Authorization header this node sends to members (its admin token). */
  public PeerClient(Vertx vertx, long timeoutMs, String authorization) {
    this(vertx, timeoutMs, () -> authorization);
  }

  /**
   * For a client made before the node has read its admin token: {@code authorization} is asked at each call
   * (the token is read at start, before the first call).
   */
  public PeerClient(Vertx vertx, long timeoutMs, Supplier<String> authorization) {
    this.timeoutMs = timeoutMs;
    this.authorization = authorization;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs));
  }

  /** GET {@code path} on {@code host:port}; fails unless the answer is 2xx with a JSON object. */
  public Future<JsonObject> get(String host, int port, String path) {
    return call(host, port, HttpMethod.GET, path, null, timeoutMs);
  }

  /** POST {@code body} to {@code path}; slower steps (init writes a marker) get {@code timeoutMs} of their own. */
  public Future<JsonObject> post(String host, int port, String path, JsonObject body, long timeoutMs) {
    return call(host, port, HttpMethod.POST, path, body, timeoutMs);
  }

  /**
   * One call; a 2xx JSON answer completes it. An answer that is not JSON fails with a message naming the
   * node and the path; any other status fails with a {@link Refusal} carrying the member's own answer.
   */
  public Future<JsonObject> call(String host, int port, HttpMethod method, String path, JsonObject body,
      long timeoutMs) {
    String who = "node " + host + ":" + port;
    String what = method + " " + path;
    return http.request(new RequestOptions().setHost(host).setPort(port).setURI(path).setMethod(method)
            .setTimeout(timeoutMs).putHeader(HttpHeaders.AUTHORIZATION, authorization.get()))
        .compose(req -> (body == null ? req.send() : req.putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .send(body.encode())).compose(resp -> resp.body().compose(b -> {
              JsonObject answer;
              try {
                answer = new JsonObject(b.toString());
              } catch (DecodeException e) {
                return Future.failedFuture(who + " answered " + what + " with HTTP " + resp.statusCode()
                    + " and something that is not JSON: is port " + port + " its admin port?");
              }
              return resp.statusCode() < 300 ? Future.succeededFuture(answer)
                  : Future.failedFuture(new Refusal(who, what, resp.statusCode(), answer));
            })));
  }

  public Future<Void> close() {
    return http.close();
  }

  /** A member answered with an admin error; {@link #answer} carries its code, message and hint. */
  public static final class Refusal extends RuntimeException {
    private final int status;
    private final JsonObject answer;

    Refusal(String who, String what, int status, JsonObject answer) {
      super(who + " refused " + what + " (HTTP " + status + ", " + answer.getString("error", "no error code")
          + "): " + answer.getString("message", "no message"));
      this.status = status;
      this.answer = answer;
    }

    public int status() {
      return status;
    }

    public JsonObject answer() {
      return answer;
    }
  }
}
