package io.paxosql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.GrafanaDashboard;
import io.paxosql.testing.GrafanaDashboard.Selector;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard is valid JSON Grafana can import (a datasource input, panels with queries and
 * places) and charts what the status page charts. That every metric it names exists in a node's
 * {@code /metrics} is checked against a running cluster by StatusPageProcessTest.
 */
class GrafanaDashboardTest {

  @Test
  void isAnImportableDashboardOverTheStatusPageMetrics() throws Exception {
    JsonObject d = GrafanaDashboard.read();
    assertEquals("DS_PROMETHEUS", d.getJsonArray("__inputs").getJsonObject(0).getString("name"));
    assertFalse(d.getString("title", "").isBlank());
    Set<String> ids = new HashSet<>();
    for (Object o : d.getJsonArray("panels")) {
      JsonObject p = (JsonObject) o;
      assertTrue(ids.add(String.valueOf(p.getValue("id"))), "panel ids are unique: " + p.getValue("id"));
      assertEquals("${DS_PROMETHEUS}", p.getJsonObject("datasource").getString("uid"), p.getString("title"));
      JsonObject pos = p.getJsonObject("gridPos");
      assertTrue(pos.getInteger("w") > 0 && pos.getInteger("h") > 0 && pos.getInteger("x") + pos.getInteger("w") <= 24,
          "panel '" + p.getString("title") + "' fits Grafana's 24 columns");
      assertFalse(p.getJsonArray("targets").isEmpty(), "panel '" + p.getString("title") + "' has a query");
    }
    Set<String> metrics = new HashSet<>();
    for (String q : GrafanaDashboard.queries(d)) {
      List<Selector> s = GrafanaDashboard.selectors(q);
      assertFalse(s.isEmpty(), "query names a metric: " + q);
      s.forEach(x -> metrics.add(x.metric()));
    }
    for (String chart : List.of("paxosql_chain_transactions_total", "paxosql_capture_ack_latency_seconds",
        "paxosql_node_replica_lag_ms", "paxosql_log_fsync_seconds", "paxosql_proxy_connections_open")) {
      assertTrue(metrics.contains(chart), "the dashboard charts " + chart + " as the page does: " + metrics);
    }
  }

  @Test
  void selectorsAreReadFromPromQl() {
    List<Selector> s = GrafanaDashboard.selectors(
        "sum by (node) (rate(paxosql_chain_transactions_total{node=\"1\"}[1m])) / paxosql_x{port=~\"rw|ro\"}");
    assertEquals(List.of("paxosql_chain_transactions_total", "paxosql_x"), s.stream().map(Selector::metric).toList());
    assertEquals("node", s.get(0).labels().get(0).label());
    assertTrue(s.get(1).labels().get(0).regex());
    String scrape = "# TYPE paxosql_x gauge\npaxosql_x{port=\"rw\"} 1.0\npaxosql_chain_transactions_total{node=\"2\"} 5.0\n";
    assertTrue(GrafanaDashboard.present(s.get(1), scrape));
    assertFalse(GrafanaDashboard.present(s.get(0), scrape), "node=\"1\" is not in the scrape");
  }
}
