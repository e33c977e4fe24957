package io.paxosql.mysql;

import java.util.ArrayList;
import java.util.List;

/**
 * Capability flags exchanged in the handshake. The low 32 bits are the MySQL flags; MariaDB puts
 * its extended flags in bits 32-63 (sent in the handshake's filler bytes when the CLIENT_MYSQL bit
 * is clear, which is how a MariaDB peer announces itself).
 */
public final class Capabilities {
  public static final long CLIENT_MYSQL = 1L;
  public static final long FOUND_ROWS = 1L << 1;
  public static final long LONG_FLAG = 1L << 2;
  public static final long CONNECT_WITH_DB = 1L << 3;
  public static final long NO_SCHEMA = 1L << 4;
  public static final long COMPRESS = 1L << 5;
  public static final long ODBC = 1L << 6;
  public static final long LOCAL_FILES = 1L << 7;
  public static final long IGNORE_SPACE = 1L << 8;
  public static final long PROTOCOL_41 = 1L << 9;
  public static final long INTERACTIVE = 1L << 10;
  public static final long SSL = 1L << 11;
  public static final long IGNORE_SIGPIPE = 1L << 12;
  public static final long TRANSACTIONS = 1L << 13;
  public static final long RESERVED = 1L << 14;
  public static final long SECURE_CONNECTION = 1L << 15;
  public static final long MULTI_STATEMENTS = 1L << 16;
  public static final long MULTI_RESULTS = 1L << 17;
  public static final long PS_MULTI_RESULTS = 1L << 18;
  public static final long PLUGIN_AUTH = 1L << 19;
  public static final long CONNECT_ATTRS = 1L << 20;
  public static final long PLUGIN_AUTH_LENENC_CLIENT_DATA = 1L << 21;
  public static final long CAN_HANDLE_EXPIRED_PASSWORDS = 1L << 22;
  public static final long SESSION_TRACK = 1L << 23;
  public static final long DEPRECATE_EOF = 1L << 24;
  public static final long SSL_VERIFY_SERVER_CERT = 1L << 30;
  public static final long REMEMBER_OPTIONS = 1L << 31;
  public static final long MARIADB_PROGRESS = 1L << 32;
  public static final long MARIADB_COM_MULTI = 1L << 33;
  public static final long MARIADB_STMT_BULK_OPERATIONS = 1L << 34;
  public static final long MARIADB_EXTENDED_TYPE_INFO = 1L << 35;
  public static final long MARIADB_CACHE_METADATA = 1L << 36;

  private static final String[] NAMES = {
    "CLIENT_MYSQL", "FOUND_ROWS", "LONG_FLAG", "CONNECT_WITH_DB", "NO_SCHEMA", "COMPRESS", "ODBC",
    "LOCAL_FILES", "IGNORE_SPACE", "PROTOCOL_41", "INTERACTIVE", "SSL", "IGNORE_SIGPIPE",
    "TRANSACTIONS", "RESERVED", "SECURE_CONNECTION", "MULTI_STATEMENTS", "MULTI_RESULTS",
    "PS_MULTI_RESULTS", "PLUGIN_AUTH", "CONNECT_ATTRS", "PLUGIN_AUTH_LENENC_CLIENT_DATA",
    "CAN_HANDLE_EXPIRED_PASSWORDS", "SESSION_TRACK", "DEPRECATE_EOF", "BIT25", "BIT26", "BIT27",
    "BIT28", "BIT29", "SSL_VERIFY_SERVER_CERT", "REMEMBER_OPTIONS", "MARIADB_PROGRESS",
    "MARIADB_COM_MULTI", "MARIADB_STMT_BULK_OPERATIONS", "MARIADB_EXTENDED_TYPE_INFO",
    "MARIADB_CACHE_METADATA"
  };

  private Capabilities() {}

  public static boolean has(long capabilities, long flag) {
    return (capabilities & flag) == flag;
  }

  /** True when the peer is MariaDB and exchanges extended capabilities. */
  public static boolean isMariaDb(long capabilities) {
    return (capabilities & CLIENT_MYSQL) == 0;
  }

  /** Flag names, for log lines and error messages. */
  public static String describe(long capabilities) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 64; bit++) {
      if ((capabilities & (1L << bit)) != 0) {
        names.add(bit < NAMES.length ? NAMES[bit] : "BIT" + bit);
      }
    }
    return String.join("|", names);
  }
}
