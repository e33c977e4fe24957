package io.paxosql.bench;

/**
 * JVM flags for forked benchmark JVMs. JMH forks do not read the jar manifest, and Chronicle Queue
 * falls back to read-only without these: use them in {@code @Fork(jvmArgsAppend = ...)}.
 */
public final class BenchJvm {
  public static final String OPEN_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
  public static final String EXPORT_NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
  public static final String EXPORT_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
  public static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";

  private BenchJvm() {}
}
