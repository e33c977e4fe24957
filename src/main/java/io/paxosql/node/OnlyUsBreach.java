package io.paxosql.node;

/**
 * Why a master's MariaDB could release a commit the cluster has not chosen: another semi-sync replica
 * that can ACK ({@link #FOREIGN_REPLICA}) or semi-sync settings that let commits go without an ACK
 * ({@link #SEMI_SYNC_SETTINGS}). Either makes the master resign and fence ({@link MasterResign}).
 *
 * @param cause one of the two constants: the metric's tag
 * @param reason what was found, for the log and the event journal
 */
record OnlyUsBreach(String cause, String reason) {
  static final String FOREIGN_REPLICA = "foreign-replica";
  static final String SEMI_SYNC_SETTINGS = "semi-sync-settings";
}
