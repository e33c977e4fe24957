package io.paxosql.node;

import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.config.ConfigWatcher;
import io.paxosql.node.admin.AdminServer;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.seed.SeedServer;
import io.paxosql.proxy.ProxyServer;

/**
 * The parts of a node that {@link NodeStartup} builds one after the other; each stays null until it is
 * built, so a node stopped or failing while it starts stops just what exists. Written and read on the
 * node's context (tests read them once the node started).
 */
final class NodeParts {
  MemberDirectory directory;
  volatile String adminToken;
  SeedServer seedServer;
  ReplicatedLog replog;
  ChainedLog chain;
  RoleExecutor roleExecutor;
  NodeMonitor monitor;
  ChainCheckpointer checkpointer;
  BinlogServer binlogServer;
  ProxyServer proxy;
  NodeReadBarrier readBarrier;
  AdminServer admin;
  ConfigWatcher watcher;
}
