package io.paxosql.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Typed, validating access to a parsed YAML tree. Each getter names the full key path in its error,
 * errors are collected rather than thrown one at a time, and keys nobody asked for are reported as
 * unknown (a typo in a key must not silently fall back to a default).
 */
final class ConfigReader {
  private final String path;
  private final Map<String, Object> map;
  private final List<String> problems;
  private final Set<String> read = new TreeSet<>();
  private final List<ConfigReader> children = new ArrayList<>();

  private ConfigReader(String path, Map<String, Object> map, List<String> problems) {
    this.path = path;
    this.map = map;
    this.problems = problems;
  }

  static ConfigReader root(Map<String, Object> map) {
    return new ConfigReader("", map == null ? Map.of() : map, new ArrayList<>());
  }

  List<String> problems() {
    List<String> all = new ArrayList<>(problems);
    collectUnknown(all);
    return all;
  }

  private void collectUnknown(List<String> out) {
    for (String key : map.keySet()) {
      if (!read.contains(key)) {
        out.add(key(key) + ": unknown key (check its spelling; see conf/node1.yaml for the keys)");
      }
    }
    for (ConfigReader child : children) {
      child.collectUnknown(out);
    }
  }

  void problem(String key, String message) {
    problems.add(key(key) + ": " + message);
  }

  String key(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    read.add(key);
    return map.containsKey(key) && map.get(key) != null;
  }

  /** A nested section; a missing optional section reads as empty so its defaults apply. */
  @SuppressWarnings("unchecked")
  ConfigReader section(String key, boolean required) {
    read.add(key);
    Object v = map.get(key);
    Map<String, Object> inner = Map.of();
    if (v == null) {
      if (required) {
        problem(key, "required section is missing");
      }
    } else if (v instanceof Map) {
      inner = new LinkedHashMap<>((Map<String, Object>) v);
    } else {
      problem(key, "expected a section (key: value lines), got " + describe(v));
    }
    ConfigReader child = new ConfigReader(key(key), inner, problems);
    children.add(child);
    return child;
  }

  /** A list of sections, e.g. the member list. */
  @SuppressWarnings("unchecked")
  List<ConfigReader> sectionList(String key) {
    read.add(key);
    Object v = map.get(key);
    List<ConfigReader> out = new ArrayList<>();
    if (v == null) {
      problem(key, "required list is missing");
      return out;
    }
    if (!(v instanceof List<?> list)) {
      problem(key, "expected a list, got " + describe(v));
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      String itemPath = key(key) + "[" + i + "]";
      if (item instanceof Map) {
        ConfigReader child = new ConfigReader(itemPath, new LinkedHashMap<>((Map<String, Object>) item), problems);
        children.add(child);
        out.add(child);
      } else {
        problems.add(itemPath + ": expected a section, got " + describe(item));
      }
    }
    return out;
  }

  String string(String key, String fallback, Pattern allowed, String expected) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      if (fallback == null) {
        problem(key, "required; expected " + expected);
      }
      return fallback;
    }
    String s = v instanceof String str ? str : String.valueOf(v);
    if (v instanceof Map || v instanceof List || (allowed != null && !allowed.matcher(s).matches())) {
      problem(key, "expected " + expected + ", got " + describe(v));
      return fallback;
    }
    return s;
  }

  String string(String key, String fallback) {
    return string(key, fallback, null, "a string");
  }

  /** An integer in [min, max]; {@code fallback == null} makes the key required. */
  Long integer(String key, Long fallback, long min, long max) {
    read.add(key);
    Object v = map.get(key);
    String expected = "an integer from " + min + " to " + max;
    if (v == null) {
      if (fallback == null) {
        problem(key, "required; expected " + expected);
      }
      return fallback;
    }
    long value;
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      value = ((Number) v).longValue();
    } else {
      problem(key, "expected " + expected + ", got " + describe(v));
      return fallback;
    }
    if (value < min || value > max) {
      problem(key, "expected " + expected + ", got " + value);
      return fallback;
    }
    return value;
  }

  /** true or false (YAML booleans only). */
  boolean bool(String key, boolean fallback) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    problem(key, "expected true or false, got " + describe(v));
    return fallback;
  }

  int port(String key, Integer fallback) {
    Long v = integer(key, fallback == null ? null : fallback.longValue(), 1, 65535);
    return v == null ? 0 : v.intValue();
  }

  <E extends Enum<E>> E enumValue(String key, E fallback, Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(ConfigNames.of(e));
    }
    String s = string(key, fallback == null ? null : ConfigNames.of(fallback), null, "one of " + names);
    if (s == null) {
      return fallback;
    }
    for (E e : type.getEnumConstants()) {
      if (ConfigNames.of(e).equals(s)) {
        return e;
      }
    }
    problem(key, "expected one of " + names + ", got '" + s + "'");
    return fallback;
  }

  private static String describe(Object v) {
    if (v instanceof Map) {
      return "a section";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof String) {
      return "'" + v + "'";
    }
    return v + " (" + v.getClass().getSimpleName().toLowerCase() + ")";
  }
}
