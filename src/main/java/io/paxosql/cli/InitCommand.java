package io.paxosql.cli;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.BackupPlacement;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code paxosql init --from-backup DIR --config FILE}: prepares a new node to start a new cluster from an
 * operator's backup ({@code admin backup --out DIR}). Run it on every member of the new cluster before their
 * first start, then start them and run {@code admin init --members ...} as for any new cluster.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Place a backup (from `admin backup --out DIR`) into a new node's data dir, so a new cluster "
        + "starts from it. Run on every member before its first start, then start them and run `admin init`.",
    footer = {"", "Exit codes: 0 placed, 1 refused or failed (nothing is left half-placed), 2 usage or config error."})
final class InitCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--from-backup", required = true, paramLabel = "DIR",
      description = "A backup written by `admin backup --out DIR` (copy it to this machine first).")
  Path backup;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The new node's YAML config.")
  Path config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    NodeConfig cfg = AdminTarget.loadConfig(spec.commandLine(), config);
    try {
      var placed = BackupPlacement.place(cfg, backup.toAbsolutePath());
      out.println("node " + cfg.nodeId() + ": the backup at GTID " + placed.getString("gtid") + " is its MariaDB "
          + "datadir (" + placed.getString("datadir") + "). Start every member of the new cluster, then run "
          + "`admin init --members ...`; the cluster continues from the backup.");
      return 0;
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("init --from-backup refused: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("init --from-backup failed: " + e + "; check the backup directory and the data dir's disk and "
          + "permissions, then run it again on an empty data dir");
      return 1;
    }
  }
}
