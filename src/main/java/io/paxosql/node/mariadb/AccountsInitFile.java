package io.paxosql.node.mariadb;

import java.util.regex.Pattern;

/**
 * The SQL a node's MariaDB runs from {@code --init-file} at every start, before it accepts a single
 * connection: root gets this node's password on every loopback account, root accounts for other hosts
 * and anonymous accounts are removed, and the replication account is (re)created with its password.
 * Only the replication account may replicate: every other account and role, root included, loses
 * REPLICATION SLAVE, which MariaDB requires for COM_REGISTER_SLAVE and COM_BINLOG_DUMP. So nobody but
 * the capture can attach to a master as a semi-sync replica and ACK a commit the cluster never chose,
 * and root cannot hand the privilege out again (MariaDB lets an account grant only what it holds).
 * Running it at every start, rather than once at install, covers a data dir made before passwords
 * existed and one restored from another node's backup (whose accounts carry the donor's passwords).
 * Nothing of it reaches the binlog: a local binlog write would be a GTID the cluster never chose.
 */
public final class AccountsInitFile {
  private static final Pattern SAFE_IDENT = Pattern.compile("[A-Za-z0-9_]{1,32}");
  /** The hosts a managed MariaDB's root may log in from: it listens on 127.0.0.1 and its own socket. */
  static final String[] ROOT_HOSTS = {"localhost", "127.0.0.1", "::1"};

  private AccountsInitFile() {}

  /**
   * @param rootPassword this node's root password
   * @param replicationUser the replication account (letters, digits, _)
   * @param replicationPassword its password
   * @param replicationGrants the privileges it needs
   */
  public static String render(String rootPassword, String replicationUser, String replicationPassword,
      String replicationGrants) {
    if (!SAFE_IDENT.matcher(replicationUser).matches()) {
      throw new IllegalArgumentException("replication user '" + replicationUser + "' must be 1-32 letters, digits or _");
    }
    if (rootPassword.isEmpty() || replicationPassword.isEmpty()) {
      throw new IllegalArgumentException("an account password is empty");
    }
    StringBuilder sql = new StringBuilder();
    // One statement per line: mariadbd reads an init file line by line.
    sql.append("SET SESSION sql_log_bin=0;\n");
    sql.append("DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost',"
        + " '127.0.0.1', '::1'));\n");
    sql.append("FLUSH PRIVILEGES;\n");
    for (String host : ROOT_HOSTS) {
      sql.append("CREATE USER IF NOT EXISTS 'root'@'").append(host).append("' IDENTIFIED BY '")
          .append(quote(rootPassword)).append("';\n");
      sql.append("ALTER USER 'root'@'").append(host).append("' IDENTIFIED BY '").append(quote(rootPassword))
          .append("';\n");
      sql.append("GRANT ALL PRIVILEGES ON *.* TO 'root'@'").append(host).append("' WITH GRANT OPTION;\n");
    }
    String repl = "'" + replicationUser + "'@'127.0.0.1'";
    sql.append("CREATE USER IF NOT EXISTS ").append(repl).append(" IDENTIFIED BY '")
        .append(quote(replicationPassword)).append("';\n");
    sql.append("ALTER USER ").append(repl).append(" IDENTIFIED BY '").append(quote(replicationPassword))
        .append("';\n");
    sql.append("GRANT ").append(replicationGrants).append(" ON *.* TO ").append(repl).append(";\n");
    // One line: an anonymous compound statement, because the accounts to strip (say, an application
    // account once given ALL PRIVILEGES ON *.*) are only known to the server.
    sql.append("BEGIN NOT ATOMIC FOR a IN (SELECT User AS u, Host AS h, is_role AS r FROM mysql.user"
        + " WHERE Repl_slave_priv='Y' AND NOT (User='").append(replicationUser).append("' AND Host='127.0.0.1'))"
        + " DO EXECUTE IMMEDIATE CONCAT('REVOKE REPLICATION SLAVE ON *.* FROM ', IF(a.r='Y', QUOTE(a.u),"
        + " CONCAT(QUOTE(a.u), '@', QUOTE(a.h)))); END FOR; END;\n");
    sql.append("SET SESSION sql_log_bin=1;\n");
    return sql.toString();
  }

  private static String quote(String s) {
    if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a password must be one line");
    }
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }
}
