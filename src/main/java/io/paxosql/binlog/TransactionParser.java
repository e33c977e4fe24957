package io.paxosql.binlog;

import io.paxosql.binlog.event.BinlogEvent;
import io.paxosql.binlog.event.Checksum;
import io.paxosql.binlog.event.EventCodec;
import io.paxosql.binlog.event.EventFormatException;
import io.paxosql.binlog.event.EventHeader;
import io.paxosql.binlog.event.EventType;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.event.GtidEvent;
import io.paxosql.binlog.event.QueryEvent;
import io.paxosql.binlog.event.RotateEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Groups a binlog event stream into whole transactions. A group starts at a Gtid event and ends at
 * Xid, a COMMIT/ROLLBACK query, an XA_prepare event, or (standalone GTID, i.e. DDL) at the first
 * statement event. A transaction is returned only once its last event has arrived, so a GTID never
 * counts as received before all of its events (the MySQL 5.7.6 bug); {@link #reset()} drops a
 * partial group when the stream breaks. Anything else is rejected with the offending event named.
 */
public final class TransactionParser {
  private enum Mode { STANDALONE, TRANSACTIONAL }

  private final boolean checksummed;
  private final long spoolAbove;
  private final Path spoolDir;
  private String currentFile;
  private List<byte[]> pending;
  private long pendingBytes;
  private SpooledEvents spooled;
  private Gtid pendingGtid;
  private GtidEvent pendingGtidEvent;
  private Mode mode;

  public TransactionParser(boolean checksummed, String initialFile) {
    this(checksummed, initialFile, Long.MAX_VALUE, null);
  }

  /**
   * @param spoolAbove bytes of a group beyond which its events go to a temporary file in {@code spoolDir}
   *     ({@link SpooledEvents}) instead of the heap
   */
  public TransactionParser(boolean checksummed, String initialFile, long spoolAbove, Path spoolDir) {
    this.checksummed = checksummed;
    this.currentFile = initialFile;
    this.spoolAbove = spoolAbove;
    this.spoolDir = spoolDir;
  }

  /** The binlog file the next event's log_pos refers to (follows Rotate events). */
  public String currentFile() {
    return currentFile;
  }

  public boolean inTransaction() {
    return pending != null;
  }

  /** Forgets a partly received group; call when the connection breaks. */
  public void reset() {
    if (spooled != null) {
      spooled.close();
    }
    clear();
  }

  private void clear() {
    pending = null;
    pendingBytes = 0;
    spooled = null;
    pendingGtid = null;
    pendingGtidEvent = null;
  }

  /** Adds an event to the open group: in the heap until the group passes {@code spoolAbove}, then to its file. */
  private void add(byte[] raw) {
    pendingBytes += raw.length;
    if (spooled == null && pendingBytes > spoolAbove) {
      spooled = SpooledEvents.create(spoolDir);
      pending.forEach(spooled::append);
      pending = spooled;
    }
    if (spooled != null) {
      spooled.append(raw);
    } else {
      pending.add(raw);
    }
  }

  /**
   * Takes the next event; returns the transaction it completes, if any. Throws
   * {@link MalformedStreamException} for a corrupt event or an impossible sequence; the parser is
   * then reset and the stream should be restarted from the last whole transaction.
   */
  public Optional<Transaction> accept(byte[] raw) {
    try {
      if (checksummed) {
        Checksum.verify(raw);
      }
      EventHeader h = EventHeader.decode(raw, 0);
      if (h.eventSize() != raw.length) {
        throw new MalformedStreamException(EventType.name(h.type()) + " event at log_pos " + h.logPos()
            + ": header says " + h.eventSize() + " bytes but " + raw.length + " arrived");
      }
      return pending == null ? outside(h, raw) : inside(h, raw);
    } catch (EventFormatException e) {
      reset();
      throw new MalformedStreamException(e.getMessage());
    } catch (MalformedStreamException e) {
      reset();
      throw e;
    }
  }

  private Optional<Transaction> outside(EventHeader h, byte[] raw) {
    switch (h.type()) {
      case EventType.GTID -> {
        GtidEvent g = (GtidEvent) EventCodec.decodeVerified(raw, checksummed).body();
        pendingGtidEvent = g;
        pendingGtid = g.gtid(h.serverId());
        pending = new ArrayList<>();
        add(raw);
        mode = g.standalone() ? Mode.STANDALONE : Mode.TRANSACTIONAL;
        return Optional.empty();
      }
      case EventType.ROTATE -> {
        currentFile = ((RotateEvent) EventCodec.decodeVerified(raw, checksummed).body()).fileName();
        return Optional.empty();
      }
      case EventType.FORMAT_DESCRIPTION, EventType.GTID_LIST, EventType.BINLOG_CHECKPOINT, EventType.HEARTBEAT,
          EventType.STOP, EventType.START_ENCRYPTION -> {
        return Optional.empty();
      }
      default -> throw new MalformedStreamException(EventType.name(h.type()) + " event at log_pos " + h.logPos()
          + " outside any transaction: expected a Gtid event to start one");
    }
  }

  private Optional<Transaction> inside(EventHeader h, byte[] raw) {
    switch (h.type()) {
      case EventType.GTID -> throw new MalformedStreamException("Gtid event at log_pos " + h.logPos()
          + " arrived while transaction " + pendingGtid + " was still open (no Xid or COMMIT for it)");
      case EventType.ROTATE, EventType.FORMAT_DESCRIPTION, EventType.GTID_LIST, EventType.BINLOG_CHECKPOINT,
          EventType.STOP, EventType.START_ENCRYPTION -> throw new MalformedStreamException(
          EventType.name(h.type()) + " event at log_pos " + h.logPos() + " inside transaction " + pendingGtid
              + ": a binlog never splits a transaction");
      case EventType.HEARTBEAT -> {
        return Optional.empty();
      }
      default -> {
        add(raw);
        return ends(h, raw) ? Optional.of(complete(h)) : Optional.empty();
      }
    }
  }

  private boolean ends(EventHeader h, byte[] raw) {
    int t = h.type();
    if (mode == Mode.STANDALONE) {
      return !(t == EventType.INTVAR || t == EventType.RAND || t == EventType.USER_VAR
          || t == EventType.ANNOTATE_ROWS);
    }
    if (t == EventType.XID || t == EventType.XA_PREPARE) {
      return true;
    }
    if (t == EventType.QUERY) {
      String sql = ((QueryEvent) EventCodec.decodeVerified(raw, checksummed).body()).sql().trim()
          .toUpperCase(Locale.ROOT);
      return sql.equals("COMMIT") || sql.equals("ROLLBACK")
          || (pendingGtidEvent.completedXa() && (sql.startsWith("XA COMMIT") || sql.startsWith("XA ROLLBACK")));
    }
    return false;
  }

  private Transaction complete(EventHeader last) {
    Transaction tx = new Transaction(pendingGtid, pending, currentFile, last.logPos());
    clear();   // the spool, if any, now belongs to the transaction
    return tx;
  }
}
