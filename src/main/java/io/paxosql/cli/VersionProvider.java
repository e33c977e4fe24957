package io.paxosql.cli;

import java.io.IOException;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import picocli.CommandLine.IVersionProvider;

/**
 * Reads the version and git commit Maven wrote into the jar manifest ({@code make build} and
 * {@code make dist} pass the commit); "development build" when run from classes.
 */
final class VersionProvider implements IVersionProvider {
  static final String COMMIT_ATTRIBUTE = "Paxosql-Commit";

  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    if (v == null) {
      return new String[] {"paxosql development build"};
    }
    return new String[] {"paxosql " + v + " (commit " + commit().orElse("unknown") + ")"};
  }

  /** The commit from this jar's own manifest (not the first manifest on the class path). */
  static Optional<String> commit() {
    try (var in = Main.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
      if (in == null) {
        return Optional.empty();
      }
      String c = new Manifest(in).getMainAttributes().getValue(new Attributes.Name(COMMIT_ATTRIBUTE));
      return c == null || c.isBlank() || c.startsWith("${") ? Optional.empty() : Optional.of(c);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
