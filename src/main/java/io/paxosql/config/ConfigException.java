package io.paxosql.config;

import java.util.List;

/** A config that cannot be used; lists every problem found, each naming its key and what was expected. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  public ConfigException(String source, List<String> problems) {
    super("invalid config " + source + ":\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
