package io.paxosql.cli;

/**
 * System properties that must be set before Chronicle classes load: a jar manifest can carry
 * --add-opens but not -D properties, and Chronicle otherwise phones home and writes into $HOME.
 */
final class JvmSettings {
  private JvmSettings() {}

  static void applyBeforeLibrariesLoad() {
    setIfAbsent("chronicle.analytics.disable", "true");
    setIfAbsent("chronicle.announcer.disable", "true");
    setIfAbsent("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
