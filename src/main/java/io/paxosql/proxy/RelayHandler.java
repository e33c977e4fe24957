package io.paxosql.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;

/**
 * The relay's data path, one per direction, inserted in the source channel's pipeline just before
 * Vert.x's own handler. Each read is shown to the {@link ProxyConnection} (framing, tracking,
 * limits) and then written as the same buffer to the peer channel. When the peer's outbound buffer
 * passes its high-water mark, reading from the source stops (autoRead off) until it drains.
 * Closing and errors still reach Vert.x, which fires the sockets' close handlers.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
  private static final String NAME = "paxosql-relay";

  private final ProxyConnection connection;
  private final boolean fromClient;
  private Channel peer;
  private Channel source;

  private RelayHandler(ProxyConnection connection, boolean fromClient) {
    this.connection = connection;
    this.fromClient = fromClient;
  }

  static void install(NetSocketInternal client, NetSocketInternal backend, ProxyConnection c) {
    ChannelHandlerContext cctx = client.channelHandlerContext();
    ChannelHandlerContext bctx = backend.channelHandlerContext();
    RelayHandler up = new RelayHandler(c, true);
    RelayHandler down = new RelayHandler(c, false);
    up.source = cctx.channel();
    up.peer = bctx.channel();
    down.source = bctx.channel();
    down.peer = cctx.channel();
    cctx.pipeline().addBefore(cctx.name(), NAME, up);
    bctx.pipeline().addBefore(bctx.name(), NAME, down);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    Buffer view = BufferInternal.buffer(buf.readerIndex() == 0 ? buf : buf.slice());
    if (fromClient && connection.gating()) {
      try {
        connection.gate(view);
      } finally {
        buf.release();
      }
      return;
    }
    boolean forward;
    try {
      forward = fromClient ? connection.inspectFromClient(view) : connection.inspectFromServer(view);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
    if (!forward || !peer.isActive()) {
      buf.release();
      return;
    }
    peer.writeAndFlush(buf, peer.voidPromise());
    if (!peer.isWritable()) {
      source.config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // This channel drained: let the other side's reads flow again.
    if (ctx.channel().isWritable()) {
      peer.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }
}
