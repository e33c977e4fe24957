package io.paxosql.node.admin;

/**
 * A refused admin request: a stable machine-readable code, the HTTP status to answer with, what
 * happened, and what the operator should do next.
 */
public final class AdminException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final int httpStatus;
  private final String hint;

  public AdminException(String code, int httpStatus, String message, String hint) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
    this.hint = hint;
  }

  public String code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String hint() {
    return hint;
  }
}
