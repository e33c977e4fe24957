package io.paxosql.node.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * How a node asks another member's admin port something: JSON over HTTP with a short timeout. Every
 * cross-node admin call (the cluster status, the status page's overview, init) goes through here, so
 * transport security or credentials between members are set up in one place.
 */
public final class PeerClient {
  private final HttpClient http;
  private final long timeoutMs;

  public PeerClient(Vertx vertx, long timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs));
  }

  /** GET {@code path} on {@code host:port}; fails unless the answer is 200 with a JSON object. */
  public Future<JsonObject> get(String host, int port, String path) {
    return call(host, port, path, HttpMethod.GET, null, timeoutMs);
  }

  /** POST {@code body} to {@code path}; slower steps (init writes a marker) get {@code timeoutMs} of their own. */
  public Future<JsonObject> post(String host, int port, String path, JsonObject body, long timeoutMs) {
    return call(host, port, path, HttpMethod.POST, body, timeoutMs);
  }

  private Future<JsonObject> call(String host, int port, String path, HttpMethod method, JsonObject body, long timeout) {
    return http.request(new RequestOptions().setHost(host).setPort(port).setURI(path).setMethod(method)
            .setTimeout(timeout))
        .compose(req -> (body == null ? req.send() : req.send(body.encode())).compose(resp -> resp.statusCode() == 200
            ? resp.body()
            : resp.body().compose(b -> Future.failedFuture("HTTP " + resp.statusCode() + " from " + host + ":" + port
                + path + ": " + b))))
        .map(buf -> new JsonObject(buf.toString()));
  }

  public Future<Void> close() {
    return http.close();
  }
}
