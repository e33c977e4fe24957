package io.paxosql.cli;

import io.paxosql.node.status.BuildVersion;
import picocli.CommandLine.IVersionProvider;

/** The version and git commit from the jar manifest (BuildVersion, shared with the status page). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"paxosql " + BuildVersion.describe()};
  }
}
