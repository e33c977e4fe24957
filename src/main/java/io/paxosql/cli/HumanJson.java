package io.paxosql.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Renders an admin answer as indented "key: value" lines for people; scripts use --json. */
final class HumanJson {
  private HumanJson() {}

  static String render(JsonObject o) {
    StringBuilder b = new StringBuilder();
    object(b, o, "");
    return b.toString().stripTrailing();
  }

  private static void object(StringBuilder b, JsonObject o, String indent) {
    for (String key : o.fieldNames()) {
      Object v = o.getValue(key);
      if (v instanceof JsonObject inner) {
        b.append(indent).append(key).append(":\n");
        object(b, inner, indent + "  ");
      } else if (v instanceof JsonArray arr) {
        b.append(indent).append(key).append(":");
        if (arr.isEmpty()) {
          b.append(" (none)\n");
          continue;
        }
        b.append('\n');
        for (Object item : arr) {
          if (item instanceof JsonObject io) {
            StringBuilder inner = new StringBuilder();
            object(inner, io, indent + "    ");
            b.append(indent).append("  - ").append(inner.substring(indent.length() + 4));
          } else {
            b.append(indent).append("  - ").append(item).append('\n');
          }
        }
      } else {
        b.append(indent).append(key).append(": ").append(v).append('\n');
      }
    }
  }
}
