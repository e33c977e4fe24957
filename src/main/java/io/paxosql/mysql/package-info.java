/**
 * The MySQL/MariaDB wire codec, shared by the proxy, the binlog capture and the binlog server.
 * Pure: JDK and Vert.x {@code Buffer} only, no I/O, threads or clocks.
 *
 * <h2>Framing</h2>
 *
 * <ul>
 *   <li>{@link io.paxosql.mysql.PacketFramer#assembling(long, java.util.function.Consumer)} — feed
 *       reads cut anywhere with {@code feed(Buffer)}; get whole logical {@link
 *       io.paxosql.mysql.Packet}s (sequence id + payload, 16 MB fragments joined). A packet that
 *       arrived whole is a slice of the read, not a copy. Over the maximum: {@link
 *       io.paxosql.mysql.PacketTooLargeException} as soon as the header says so; broken framing:
 *       {@link io.paxosql.mysql.ProtocolException}; either way the framer refuses further input.
 *   <li>{@link io.paxosql.mysql.PacketFramer#scanning(long, int, io.paxosql.mysql.PacketObserver)}
 *       — the same framing for a relay that forwards reads untouched: reports each packet's
 *       sequence ids, length and first N payload bytes; holds nothing else. {@code prefixLimit(n)}
 *       shortens the kept prefix (long during a handshake, short afterwards); {@code halt()} stops
 *       framing for good when the stream turns into TLS or compressed frames.
 *   <li>{@link io.paxosql.mysql.PacketCodec#encode(int, io.vertx.core.buffer.Buffer)} / {@code
 *       encodeTo} — payload to wire packets, split at 0xFFFFFF with the empty closing packet.
 * </ul>
 *
 * <h2>Fields</h2>
 *
 * {@link io.paxosql.mysql.PayloadReader} / {@link io.paxosql.mysql.PayloadWriter}: int1-int8 (LE),
 * length-encoded ints and strings, NUL-terminated strings, rest-of-packet; reads past the end
 * throw a {@link io.paxosql.mysql.ProtocolException} naming the field and offset. {@link
 * io.paxosql.mysql.Bytes} is the immutable byte string records use for binary fields.
 *
 * <h2>Packets (immutable records, {@code decode(Buffer)} / {@code encode()})</h2>
 *
 * {@link io.paxosql.mysql.HandshakeV10}, {@link io.paxosql.mysql.HandshakeResponse41}, {@link
 * io.paxosql.mysql.SslRequest}, {@link io.paxosql.mysql.AuthSwitchRequest}, {@link
 * io.paxosql.mysql.OkPacket} (decode/encode take the agreed capabilities), {@link
 * io.paxosql.mysql.ErrPacket}, {@link io.paxosql.mysql.EofPacket}, and {@link
 * io.paxosql.mysql.Command} with records Quit, Ping, InitDb, Query, StmtPrepare, StmtExecute,
 * StmtClose, RegisterSlave, BinlogDump and Other ({@code Command.decode} picks by command byte).
 * {@code matches(Buffer)} tells OK/ERR/EOF/SSLRequest apart. {@link io.paxosql.mysql.Capabilities}
 * holds the flags (MariaDB's extended ones in bits 32-63) and {@link io.paxosql.mysql.ServerStatus}
 * the status bits.
 *
 * <h2>Authentication</h2>
 *
 * {@link io.paxosql.mysql.NativePassword}: {@code scramble(password, seed)} for a client (the
 * capture logging in as a replica), {@code verify(seed, response, storedHash)} for a server (the
 * binlog server checking a replica), {@code storedHash} / {@code parseStoredHash("*HEX")}.
 */
package io.paxosql.mysql;
