package io.paxosql.config;

import java.util.Locale;

/** Enum constants as they are written in YAML: lower case with dashes (READ_YOUR_WRITES → read-your-writes). */
final class ConfigNames {
  private ConfigNames() {}

  static String of(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
