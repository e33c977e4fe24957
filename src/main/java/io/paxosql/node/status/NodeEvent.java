package io.paxosql.node.status;

import io.vertx.core.json.JsonObject;

/**
 * One entry of a node's event journal.
 *
 * @param seq     increasing per journal, from 1; a page asks for the entries after the last it saw
 * @param timeMs  wall-clock time (epoch milliseconds) it happened
 * @param node    the node it happened on
 * @param message why, in the same words as the node's log line
 */
public record NodeEvent(long seq, long timeMs, int node, EventKind kind, String message) {

  public JsonObject toJson() {
    return new JsonObject().put("seq", seq).put("timeMs", timeMs).put("node", node).put("kind", kind.name())
        .put("message", message);
  }
}
