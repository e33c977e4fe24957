package io.paxosql.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Sets our own loggers' level at run time (config key logLevel; changes apply live). */
public final class LogLevels {
  private LogLevels() {}

  public static void apply(String level) {
    ((Logger) LoggerFactory.getLogger("io.paxosql")).setLevel(Level.toLevel(level, Level.INFO));
  }
}
