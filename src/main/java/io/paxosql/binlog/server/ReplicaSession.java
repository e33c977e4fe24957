package io.paxosql.binlog.server;

import io.paxosql.binlog.GtidState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the queries a MariaDB replica sends its master before COM_BINLOG_DUMP (see
 * shared/notes/mariadb-captures/general_*.log) and remembers what they set: heartbeat period,
 * checksum, GTID connect state. Anything else gets a clear error and a log line. Pure apart from
 * the clock: one per connection.
 */
public final class ReplicaSession {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSession.class);
  static final int ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
  static final int ER_NOT_SUPPORTED_YET = 1235;
  static final int ER_PARSE_ERROR = 1064;

  private static final Pattern SET = Pattern.compile("(?is)\\s*SET\\s+(.*?)\\s*;?\\s*");
  private static final Pattern ASSIGN = Pattern.compile("(?is)\\s*((?:@@?)?[\\w.]+)\\s*:?=\\s*(.*?)\\s*");
  private static final Pattern SET_NAMES = Pattern.compile("(?is)\\s*(NAMES|CHARACTER\\s+SET|CHARSET)\\s+.*");
  private static final Pattern SELECT = Pattern.compile("(?is)\\s*SELECT\\s+(.*?)\\s*;?\\s*");
  private static final Pattern SHOW_VARS =
      Pattern.compile("(?is)\\s*SHOW\\s+(?:GLOBAL\\s+|SESSION\\s+)?VARIABLES\\s+LIKE\\s+'([^']*)'\\s*;?\\s*");
  private static final Pattern KILL = Pattern.compile("(?is)\\s*KILL\\s+(?:CONNECTION\\s+)?(\\d+)\\s*;?\\s*");

  private final LongSupplier clockSeconds;
  private final Map<String, String> variables = new LinkedHashMap<>();
  private final Map<String, String> userVars = new HashMap<>();

  public ReplicaSession(long serverId, long domainId, LongSupplier clockSeconds) {
    this.clockSeconds = clockSeconds;
    variables.put("server_id", Long.toString(serverId));
    variables.put("gtid_domain_id", Long.toString(domainId));
    variables.put("binlog_checksum", "CRC32");
    variables.put("binlog_format", "ROW");
    variables.put("log_bin", "ON");
    variables.put("gtid_strict_mode", "ON");
    // Replicas of the binlog server need not ACK: the transactions are already durable in the log.
    variables.put("rpl_semi_sync_master_enabled", "OFF");
    variables.put("version", MariaDbFormat.SERVER_VERSION);
    variables.put("version_comment", "paxosql binlog server");
  }

  /** The replica's @master_heartbeat_period in nanoseconds (0: no heartbeats). */
  public long heartbeatPeriodNanos() {
    String v = userVars.get("master_heartbeat_period");
    if (v == null) {
      return 0;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The replica's GTID position from @slave_connect_state; null when it did not send one. */
  public GtidState connectState() {
    String v = userVars.get("slave_connect_state");
    return v == null ? null : GtidState.parse(v);
  }

  /** True when the replica asked for checksummed events (@master_binlog_checksum). */
  public boolean wantsChecksums() {
    String v = userVars.get("master_binlog_checksum");
    return v != null && !v.equalsIgnoreCase("NONE");
  }

  public String userVar(String name) {
    return userVars.get(name.toLowerCase(Locale.ROOT));
  }

  public QueryReply answer(String sql) {
    Matcher m;
    if ((m = SET.matcher(sql)).matches()) {
      return set(m.group(1), sql);
    }
    if ((m = SHOW_VARS.matcher(sql)).matches()) {
      return showVariables(m.group(1));
    }
    if ((m = KILL.matcher(sql)).matches()) {
      return new QueryReply.Kill(Long.parseLong(m.group(1)));
    }
    if ((m = SELECT.matcher(sql)).matches()) {
      return select(m.group(1), sql);
    }
    LOG.warn("replica sent a query the binlog server does not support: {}", sql);
    return new QueryReply.Error(ER_NOT_SUPPORTED_YET, "42000",
        "the paxosql binlog server answers only replication queries; unsupported: " + sql);
  }

  private QueryReply set(String assignments, String sql) {
    if (SET_NAMES.matcher(assignments).matches()) {
      // A replica reconnecting sends SET NAMES; events are bytes, so the connection charset does not matter.
      return new QueryReply.Ok();
    }
    for (String a : splitTopLevel(assignments)) {
      Matcher m = ASSIGN.matcher(a);
      if (!m.matches()) {
        LOG.warn("replica sent a SET the binlog server cannot parse: {}", sql);
        return new QueryReply.Error(ER_PARSE_ERROR, "42000", "cannot parse SET assignment '" + a.trim() + "'");
      }
      String name = m.group(1).toLowerCase(Locale.ROOT);
      String value = evaluate(m.group(2));
      if (!name.startsWith("@")) {
        name = "@@" + name;
      }
      if (name.startsWith("@@")) {
        // Session settings such as @@session.sql_mode do not change what the dump sends; accept them.
        LOG.info("replica set {} = {}; ignored by the binlog server", name, value);
        continue;
      }
      String var = name.substring(1);
      if (!KNOWN_USER_VARS.contains(var)) {
        LOG.info("replica set unrecognised user variable @{} = {}", var, value);
      }
      if (var.equals("slave_connect_state")) {
        try {
          GtidState.parse(value == null ? "" : value);
        } catch (IllegalArgumentException e) {
          return new QueryReply.Error(ER_PARSE_ERROR, "HY000", "@slave_connect_state: " + e.getMessage());
        }
      }
      userVars.put(var, value);
    }
    return new QueryReply.Ok();
  }

  private static final List<String> KNOWN_USER_VARS = List.of("master_heartbeat_period", "master_binlog_checksum",
      "mariadb_slave_capability", "slave_connect_state", "slave_gtid_strict_mode", "slave_gtid_ignore_duplicates",
      "rpl_semi_sync_slave", "slave_until_gtid");

  private String evaluate(String expr) {
    String e = expr.trim();
    if (e.length() >= 2 && (e.startsWith("'") && e.endsWith("'") || e.startsWith("\"") && e.endsWith("\""))) {
      return e.substring(1, e.length() - 1).replace("''", "'").replace("\\'", "'");
    }
    if (e.startsWith("@@")) {
      return variables.get(systemVarName(e));
    }
    if (e.startsWith("@")) {
      return userVars.get(e.substring(1).toLowerCase(Locale.ROOT));
    }
    if (e.equalsIgnoreCase("NULL")) {
      return null;
    }
    return e;
  }

  private static String systemVarName(String expr) {
    String n = expr.substring(2).toLowerCase(Locale.ROOT);
    for (String scope : new String[] {"global.", "session.", "local."}) {
      if (n.startsWith(scope)) {
        return n.substring(scope.length());
      }
    }
    return n;
  }

  private QueryReply select(String exprs, String sql) {
    List<String> columns = new ArrayList<>();
    List<String> row = new ArrayList<>();
    for (String raw : splitTopLevel(exprs)) {
      String e = raw.trim();
      String lower = e.toLowerCase(Locale.ROOT);
      columns.add(e);
      if (lower.equals("unix_timestamp()")) {
        row.add(Long.toString(clockSeconds.getAsLong()));
      } else if (lower.equals("version()")) {
        row.add(variables.get("version"));
      } else if (lower.startsWith("@@")) {
        String name = systemVarName(e);
        if (!variables.containsKey(name)) {
          LOG.warn("replica asked for system variable the binlog server does not know: {}", sql);
          return new QueryReply.Error(ER_UNKNOWN_SYSTEM_VARIABLE, "HY000", "Unknown system variable '" + name
              + "' (the paxosql binlog server knows " + String.join(", ", variables.keySet()) + ")");
        }
        row.add(variables.get(name));
      } else if (lower.startsWith("@")) {
        row.add(userVars.get(lower.substring(1)));
      } else if (lower.matches("-?\\d+")) {
        row.add(e);
      } else {
        LOG.warn("replica sent a SELECT the binlog server does not support: {}", sql);
        return new QueryReply.Error(ER_NOT_SUPPORTED_YET, "42000",
            "the paxosql binlog server answers only replication queries; unsupported: " + sql);
      }
    }
    return new QueryReply.Rows(columns, List.of(row));
  }

  private QueryReply showVariables(String like) {
    Pattern p = Pattern.compile(likeToRegex(like), Pattern.CASE_INSENSITIVE);
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, String> v : variables.entrySet()) {
      if (p.matcher(v.getKey()).matches()) {
        rows.add(Arrays.asList(v.getKey(), v.getValue()));
      }
    }
    if (rows.isEmpty()) {
      LOG.info("replica asked SHOW VARIABLES LIKE '{}'; the binlog server has none", like);
    }
    return new QueryReply.Rows(List.of("Variable_name", "Value"), rows);
  }

  private static String likeToRegex(String like) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < like.length(); i++) {
      char c = like.charAt(i);
      if (c == '\\' && i + 1 < like.length()) {
        b.append(Pattern.quote(String.valueOf(like.charAt(++i))));
      } else if (c == '%') {
        b.append(".*");
      } else if (c == '_') {
        b.append('.');
      } else {
        b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return b.toString();
  }

  /** Splits on commas outside quotes and parentheses. */
  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    char quote = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }
}
