package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * JSON calls to another member's admin port, for the membership commands. A non-2xx answer fails with
 * the member's own message. (Where member-to-member admin calls get authenticated, this is the place.)
 */
final class PeerAdmin {
  static final long TIMEOUT_MS = 3000;

  private final HttpClient http;
  private final String authorization;

  /** {@code authorization}: the header this node sends members (its admin token; members share one). */
  PeerAdmin(HttpClient http, String authorization) {
    this.http = http;
    this.authorization = authorization;
  }

  Future<JsonObject> get(NodeConfig.Member m, String path) {
    return call(m.host(), m.admin(), HttpMethod.GET, path, null);
  }

  Future<JsonObject> post(NodeConfig.Member m, String path, JsonObject body) {
    return call(m.host(), m.admin(), HttpMethod.POST, path, body);
  }

  Future<JsonObject> call(String host, int port, HttpMethod method, String path, JsonObject body) {
    return http.request(new RequestOptions().setHost(host).setPort(port).setURI(path).setMethod(method)
            .setTimeout(TIMEOUT_MS).putHeader(HttpHeaders.AUTHORIZATION, authorization))
        .compose(req -> (body == null ? req.send() : req.putHeader("content-type", "application/json")
            .send(body.encode())).compose(resp -> resp.body().compose(b -> {
              JsonObject o;
              try {
                o = new JsonObject(b.toString());
              } catch (RuntimeException e) {
                return Future.failedFuture(host + ":" + port + " answered HTTP " + resp.statusCode()
                    + " with something that is not JSON");
              }
              return resp.statusCode() < 300 ? Future.succeededFuture(o)
                  : Future.failedFuture(new PeerRefusal(resp.statusCode(), o));
            })));
  }

  /** A member answered with an admin error; the JSON carries its code, message and hint. */
  static final class PeerRefusal extends RuntimeException {
    final int status;
    final JsonObject answer;

    PeerRefusal(int status, JsonObject answer) {
      super(answer.getString("message", "HTTP " + status));
      this.status = status;
      this.answer = answer;
    }
  }
}
