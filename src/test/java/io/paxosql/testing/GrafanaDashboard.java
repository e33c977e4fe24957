package io.paxosql.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * conf/grafana/paxosql-dashboard.json as tests read it: its panels' PromQL queries and the metric
 * selectors (name and label matchers) in them, to check against a node's {@code /metrics}.
 */
public final class GrafanaDashboard {
  public static final Path FILE = Path.of("conf", "grafana", "paxosql-dashboard.json");

  /** One metric named in a query, with the label matchers it was given ({@code =} or {@code =~}). */
  public record Selector(String metric, List<Matcher1> labels) {}

  /** A label matcher: {@code label="value"} (regex false) or {@code label=~"regex"}. */
  public record Matcher1(String label, String value, boolean regex) {}

  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*\\})?\\s*(\\[[^\\]]*\\])?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|=)\\s*\"([^\"]*)\"");
  /** Label lists of aggregations and vector matching, e.g. {@code by (node)}: no metric in them. */
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset");

  private GrafanaDashboard() {}

  public static JsonObject read() throws IOException {
    return new JsonObject(Files.readString(FILE));
  }

  /** Every target's {@code expr}, panel by panel. */
  public static List<String> queries(JsonObject dashboard) {
    List<String> out = new ArrayList<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      for (Object t : ((JsonObject) p).getJsonArray("targets", new JsonArray())) {
        out.add(((JsonObject) t).getString("expr"));
      }
    }
    return out;
  }

  /** The metric selectors of a PromQL expression: identifiers that are not functions or keywords. */
  public static List<Selector> selectors(String promql) {
    List<Selector> out = new ArrayList<>();
    String expr = GROUPING.matcher(promql).replaceAll(" ");
    Matcher m = SELECTOR.matcher(expr);
    int from = 0;
    while (m.find(from)) {
      from = m.end();
      String name = m.group(1);
      boolean call = expr.substring(from).stripLeading().startsWith("(");
      boolean afterQuote = m.start() > 0 && expr.charAt(m.start() - 1) == '"';
      if (call || afterQuote || KEYWORDS.contains(name) || Character.isDigit(name.charAt(0))) {
        continue;
      }
      List<Matcher1> labels = new ArrayList<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.add(new Matcher1(l.group(1), l.group(3), l.group(2).equals("=~")));
        }
      }
      out.add(new Selector(name, labels));
    }
    return out;
  }

  /** Whether Prometheus text {@code scrape} has a sample of {@code s}'s metric with all its labels. */
  public static boolean present(Selector s, String scrape) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(s.metric() + "{") || line.startsWith(s.metric() + " "))) {
        continue;
      }
      boolean all = true;
      for (Matcher1 l : s.labels()) {
        Matcher v = Pattern.compile(l.label() + "=\"([^\"]*)\"").matcher(line);
        if (!v.find() || !(l.regex() ? v.group(1).matches(l.value()) : v.group(1).equals(l.value()))) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }
}
