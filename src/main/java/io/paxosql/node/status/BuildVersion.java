package io.paxosql.node.status;

import java.io.IOException;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/**
 * The version and git commit Maven wrote into the jar manifest ({@code make build} and {@code make dist}
 * pass the commit), as {@code paxosql --version} and the status page's node cards show them.
 */
public final class BuildVersion {
  static final String COMMIT_ATTRIBUTE = "Paxosql-Commit";

  private BuildVersion() {}

  /** Read once: every status snapshot names the version, and reading the manifest means a zip inflate. */
  private static final class Once {
    static final String DESCRIPTION = read();
  }

  /** "0.1.0 (commit abc123)", or "development build" when run from classes. */
  public static String describe() {
    return Once.DESCRIPTION;
  }

  private static String read() {
    String v = BuildVersion.class.getPackage().getImplementationVersion();
    if (v == null) {
      return "development build";
    }
    return v + " (commit " + commit().orElse("unknown") + ")";
  }

  /** The commit from this jar's own manifest (not the first manifest on the class path). */
  static Optional<String> commit() {
    try (var in = BuildVersion.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
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
