package io.paxosql.node.mariadb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to run one managed mariadbd: where it lives, its port and server id, and the
 * my.cnf options. The defaults are the durable, loopback-only settings every node needs; callers add
 * role-specific options (semi-sync, read_only) with {@link Builder#set}.
 */
public record MariaDbConfig(Path baseDir, int port, long serverId, Map<String, String> options) {

  /** Unix socket paths longer than this make mariadbd refuse to start. */
  static final int MAX_SOCKET_PATH = 107;

  public MariaDbConfig {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("MariaDB port " + port + " is not in 1..65535");
    }
    if (serverId < 1 || serverId > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("MariaDB server_id " + serverId + " is not in 1..4294967295");
    }
    baseDir = baseDir.toAbsolutePath().normalize();
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  public static Builder builder(Path baseDir, int port, long serverId) {
    return new Builder(baseDir, port, serverId);
  }

  public Path dataDir() {
    return baseDir.resolve("data");
  }

  public Path tmpDir() {
    return baseDir.resolve("tmp");
  }

  public Path defaultsFile() {
    return baseDir.resolve("my.cnf");
  }

  public Path errorLog() {
    return baseDir.resolve("error.log");
  }

  /** The binlog index file, which lists the binlog files in order. */
  public Path binlogIndex() {
    return dataDir().resolve(options.getOrDefault("log_bin_index", "mysql-bin.index"));
  }

  public Path pidFile() {
    return baseDir.resolve("mariadbd.pid");
  }

  /**
   * The socket lives in the base dir when that path is short enough, else in /tmp under a name
   * derived from the port (deep build directories easily exceed the 107-byte limit).
   */
  public Path socketPath() {
    Path inBase = baseDir.resolve("mysqld.sock");
    if (inBase.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
      return inBase;
    }
    return Path.of("/tmp", "paxosql-mariadb-" + port + ".sock");
  }

  /** Renders my.cnf; the [mariadbd] section holds the defaults followed by the caller's options. */
  public String renderDefaultsFile() {
    Map<String, String> server = new LinkedHashMap<>();
    if (isRoot()) {
      server.put("user", "root");
    }
    server.put("basedir", "/usr");
    server.put("datadir", dataDir().toString());
    server.put("tmpdir", tmpDir().toString());
    server.put("socket", socketPath().toString());
    server.put("port", Integer.toString(port));
    server.put("bind_address", "127.0.0.1");
    server.put("pid_file", pidFile().toString());
    server.put("log_error", errorLog().toString());
    server.put("skip_name_resolve", "ON");
    server.put("server_id", Long.toString(serverId));
    server.put("log_bin", "mysql-bin");
    server.put("log_bin_index", "mysql-bin.index");
    server.put("relay_log", "relay-bin");
    server.put("binlog_format", "ROW");
    server.put("binlog_checksum", "CRC32");
    server.put("gtid_domain_id", "0");
    server.put("gtid_strict_mode", "ON");
    server.put("log_slave_updates", "ON");
    server.put("sync_binlog", "1");
    server.put("innodb_flush_log_at_trx_commit", "1");
    server.put("skip_slave_start", "ON");
    server.put("innodb_buffer_pool_size", "64M");
    server.put("innodb_buffer_pool_size_max", "64M");
    server.put("innodb_log_file_size", "32M");
    server.put("innodb_log_buffer_size", "8M");
    server.put("key_buffer_size", "8M");
    server.put("aria_pagecache_buffer_size", "8M");
    server.put("query_cache_type", "OFF");
    server.put("query_cache_size", "0");
    server.put("max_connections", "256");
    server.put("table_open_cache", "256");
    server.put("table_definition_cache", "400");
    server.put("thread_cache_size", "8");
    server.put("performance_schema", "OFF");
    server.put("max_allowed_packet", "64M");
    // Our proxy sends a PROXY protocol header so MariaDB sees the client's address; loopback is
    // trusted, member addresses are added by the node. Clients without a header still work.
    server.put("proxy_protocol_networks", "127.0.0.0/8,::1/128");
    server.putAll(options);

    StringBuilder out = new StringBuilder();
    out.append("# Written by paxosql; regenerated at every start.\n");
    out.append("[client]\n");
    out.append("port=").append(port).append('\n');
    out.append("socket=").append(socketPath()).append('\n');
    out.append("user=root\n\n");
    out.append("[mariadbd]\n");
    server.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
    return out.toString();
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Collects options; a later {@link #set} of the same key wins. */
  public static final class Builder {
    private final Path baseDir;
    private final int port;
    private final long serverId;
    private final Map<String, String> options = new LinkedHashMap<>();

    private Builder(Path baseDir, int port, long serverId) {
      this.baseDir = baseDir;
      this.port = port;
      this.serverId = serverId;
    }

    public Builder set(String key, String value) {
      if (key.isBlank() || key.contains("=") || key.contains("\n") || value.contains("\n")) {
        throw new IllegalArgumentException("invalid my.cnf option '" + key + "=" + value + "'");
      }
      options.put(key, value);
      return this;
    }

    public MariaDbConfig build() {
      return new MariaDbConfig(baseDir, port, serverId, options);
    }
  }
}
