package io.paxosql.binlog.event;

/** Binlog event type codes MariaDB 10.11 sends in ROW format, plus the ones the boundary parser must recognise. */
public final class EventType {
  public static final int QUERY = 2;
  public static final int STOP = 3;
  public static final int ROTATE = 4;
  public static final int INTVAR = 5;
  public static final int RAND = 13;
  public static final int USER_VAR = 14;
  public static final int FORMAT_DESCRIPTION = 15;
  public static final int XID = 16;
  public static final int TABLE_MAP = 19;
  public static final int WRITE_ROWS_V1 = 23;
  public static final int UPDATE_ROWS_V1 = 24;
  public static final int DELETE_ROWS_V1 = 25;
  public static final int INCIDENT = 26;
  public static final int HEARTBEAT = 27;
  public static final int XA_PREPARE = 38;
  public static final int ANNOTATE_ROWS = 160;
  public static final int BINLOG_CHECKPOINT = 161;
  public static final int GTID = 162;
  public static final int GTID_LIST = 163;
  public static final int START_ENCRYPTION = 164;

  private EventType() {}

  public static String name(int type) {
    return switch (type) {
      case QUERY -> "Query";
      case STOP -> "Stop";
      case ROTATE -> "Rotate";
      case INTVAR -> "Intvar";
      case RAND -> "Rand";
      case USER_VAR -> "User_var";
      case FORMAT_DESCRIPTION -> "Format_description";
      case XID -> "Xid";
      case TABLE_MAP -> "Table_map";
      case WRITE_ROWS_V1 -> "Write_rows_v1";
      case UPDATE_ROWS_V1 -> "Update_rows_v1";
      case DELETE_ROWS_V1 -> "Delete_rows_v1";
      case INCIDENT -> "Incident";
      case HEARTBEAT -> "Heartbeat";
      case XA_PREPARE -> "XA_prepare";
      case ANNOTATE_ROWS -> "Annotate_rows";
      case BINLOG_CHECKPOINT -> "Binlog_checkpoint";
      case GTID -> "Gtid";
      case GTID_LIST -> "Gtid_list";
      case START_ENCRYPTION -> "Start_encryption";
      default -> "type " + type;
    };
  }
}
