package io.paxosql.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** vertx-config hands YAML over as JsonObject; the loader validates plain maps and lists. */
final class JsonToTree {
  private JsonToTree() {}

  static Object convert(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String k : o.fieldNames()) {
        m.put(k, convert(o.getValue(k)));
      }
      return m;
    }
    if (v instanceof JsonArray a) {
      List<Object> l = new ArrayList<>();
      for (Object item : a) {
        l.add(convert(item));
      }
      return l;
    }
    return v;
  }
}
