package io.paxosql.proxy;

/** The three kinds of listening port. */
public enum ProxyRole {
  /** Read-write: to the master's MariaDB, wherever it is. */
  RW("rw"),
  /** Read-only: to this node's MariaDB. */
  RO("ro"),
  /** Member-only hop: another node's RW port relays here when this node is master. */
  INTERNAL("internal");

  private final String tag;

  ProxyRole(String tag) {
    this.tag = tag;
  }

  /** Value of the "port" tag on this role's metrics. */
  public String tag() {
    return tag;
  }
}
