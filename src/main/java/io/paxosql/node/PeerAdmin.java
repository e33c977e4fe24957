package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.PeerClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The membership commands' calls to other members' admin ports, addressed by member: {@link PeerClient}
 * with the longer timeout those steps need. A non-2xx answer fails with a {@link PeerClient.Refusal}.
 */
final class PeerAdmin {
  static final long TIMEOUT_MS = 3000;

  private final PeerClient client;

  PeerAdmin(PeerClient client) {
    this.client = client;
  }

  Future<JsonObject> get(NodeConfig.Member m, String path) {
    return client.get(m.host(), m.admin(), path);
  }

  Future<JsonObject> post(NodeConfig.Member m, String path, JsonObject body) {
    return client.post(m.host(), m.admin(), path, body, TIMEOUT_MS);
  }

  PeerClient client() {
    return client;
  }
}
