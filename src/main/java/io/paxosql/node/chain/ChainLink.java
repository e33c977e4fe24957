package io.paxosql.node.chain;

import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.GtidAt;

/**
 * What the chain keeps about each accepted transaction: where its record is, or where the first of
 * its {@code parts} consecutive part records is.
 */
record ChainLink(long sequence, Gtid gtid, LogPosition position, int parts) implements GtidAt {}
