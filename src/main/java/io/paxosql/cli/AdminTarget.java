package io.paxosql.cli;

import io.paxosql.config.ConfigException;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.config.SecretNames;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.node.secret.SecretFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Which admin port the admin command asks and with what token: {@code --node} and {@code --token-file}
 * as given, else taken from the node's {@code --config} (its admin address and dataDir/admin-token).
 * Every problem is a usage error naming the option to fix. The commands run on a node's own host
 * ({@code ready}, {@code init}) load their {@code --config} and find the node's admin port here too.
 */
record AdminTarget(String node, AdminAddress address, Optional<String> token) {
  private static final String ANY_V4 = "0.0.0.0";
  private static final String ANY_V6 = "::";

  static AdminTarget resolve(CommandLine cmd, String node, Path config, Path tokenFile) {
    NodeConfig cfg = config == null ? null : loadConfig(cmd, config);
    if (node == null) {
      if (cfg == null) {
        throw new CommandLine.ParameterException(cmd,
            "say which node to ask: --node HOST:ADMINPORT, or --config NODE.yaml on the node's host");
      }
      node = adminHost(cfg) + ":" + cfg.ports().admin();
    }
    AdminAddress address;
    try {
      address = AdminAddress.parse(node);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage());
    }
    Path file = tokenFile;
    if (file == null && cfg != null) {
      file = SecretNames.adminToken(cfg.dataDir());
      if (!Files.exists(file)) {
        throw new CommandLine.ParameterException(cmd, "--config: the node's token file " + file
            + " does not exist yet (a node writes it at its first start): start the node, or pass --token-file");
      }
    }
    Optional<String> token = Optional.empty();
    if (file != null) {
      try {
        token = Optional.of(SecretFile.read(file));
      } catch (SecretFileException e) {
        throw new CommandLine.ParameterException(cmd, "--token-file: " + e.getMessage());
      }
    }
    return new AdminTarget(node, address, token);
  }

  /** The node config in {@code config}; one that does not load is a usage error naming {@code --config}. */
  static NodeConfig loadConfig(CommandLine cmd, Path config) {
    try {
      return NodeConfigLoader.load(config);
    } catch (ConfigException e) {
      throw new CommandLine.ParameterException(cmd, "--config: " + e.getMessage());
    }
  }

  /** Where a command on the node's own host reaches its admin port (a wildcard bind is asked on loopback). */
  static AdminAddress localAddress(NodeConfig cfg) {
    return new AdminAddress(adminHost(cfg), cfg.ports().admin());
  }

  private static String adminHost(NodeConfig cfg) {
    String bind = cfg.admin().bind() == null ? cfg.self().host() : cfg.admin().bind();
    return bind.equals(ANY_V4) || bind.equals(ANY_V6) ? "127.0.0.1" : bind;
  }
}
