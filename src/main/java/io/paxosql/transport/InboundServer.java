package io.paxosql.transport;

import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.VertxTls;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.InitPeerReply;
import io.paxosql.transport.proto.InitPeerRequest;
import io.paxosql.transport.proto.PaxosTransportGrpcService;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.ReadIndexReply;
import io.paxosql.transport.proto.ReadIndexRequest;
import io.paxosql.transport.proto.SeedCaughtUpReply;
import io.paxosql.transport.proto.SeedCaughtUpRequest;
import io.paxosql.transport.proto.StreamAck;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.InvalidMessageException;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vertx-grpc server for what peers send this node: the message stream, forwarded proposals, catch-up,
 * read index, init and backups. Every call passes the {@link InboundGate} first; a refused one ends with
 * PERMISSION_DENIED, a call arriving before its server part is set ends with UNAVAILABLE.
 */
final class InboundServer {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);

  private final Vertx vertx;
  private final TransportConfig cfg;
  private final FaultInjector faults;
  private final NodeTransport.Handler handler;
  private final InboundGate gate;
  private final PeerLinks links;
  private volatile NodeTransport.MemberCalls memberCalls;
  private volatile NodeTransport.BackupSource backups;
  private HttpServer server;

  InboundServer(Vertx vertx, TransportConfig cfg, FaultInjector faults, NodeTransport.Handler handler,
      InboundGate gate, PeerLinks links) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.faults = faults;
    this.handler = handler;
    this.gate = gate;
    this.links = links;
  }

  void serveMemberCalls(NodeTransport.MemberCalls calls) {
    memberCalls = calls;
  }

  void serveBackups(NodeTransport.BackupSource source) {
    backups = source;
  }

  Future<Void> listen() {
    GrpcServer grpc = GrpcServer.server(vertx,
        new GrpcServerOptions().setMaxMessageSize(cfg.maxMessageBytes()));
    grpc.callHandler(PaxosTransportGrpcService.Messages, this::messages);
    grpc.callHandler(PaxosTransportGrpcService.Propose, this::propose);
    grpc.callHandler(PaxosTransportGrpcService.CatchUp, this::catchUp);
    grpc.callHandler(PaxosTransportGrpcService.ReadIndex, this::readIndex);
    grpc.callHandler(PaxosTransportGrpcService.InitPeer, this::initPeer);
    grpc.callHandler(PaxosTransportGrpcService.Backup, this::backup);
    grpc.callHandler(PaxosTransportGrpcService.SeedCaughtUp, this::seedCaughtUp);
    HttpServerOptions opts = new HttpServerOptions().setHost(cfg.host()).setPort(cfg.port())
        .setInitialSettings(new Http2Settings().setInitialWindowSize(NodeTransport.STREAM_WINDOW))
        .setHttp2ConnectionWindowSize(NodeTransport.CONNECTION_WINDOW)
        .setIdleTimeout((int) cfg.idleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (cfg.tls() != null) {
      VertxTls.server(opts, cfg.tls()).setUseAlpn(true);
    }
    return vertx.createHttpServer(opts)
        .connectionHandler(gate::onConnection)
        .exceptionHandler(gate::onConnectionError)
        .requestHandler(grpc).listen().map(s -> {
          server = s;
          LOG.info("node {} transport listening on {}:{}{}", cfg.nodeId(), cfg.host(), s.actualPort(),
              cfg.tls() != null ? " (mutual TLS, members only, engine " + TlsEngine.choose(cfg.tls().engine()).label() + ")"
                  : " (PLAINTEXT: tls.mode is off)");
          return null;
        });
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server != null ? server.close() : Future.succeededFuture();
  }

  private void messages(GrpcServerRequest<Envelope, StreamAck> req) {
    OptionalInt cert = gate.certNode(req);
    boolean[] failed = {false};
    int[] sender = {-1};
    // An oversized message is dropped unread and the stream goes on: what it carried is lost like any
    // message, and the sender's retransmission or the next election asks again.
    req.invalidMessageHandler(err -> tooLarge(req, cert, sender[0], err, "message"));
    req.handler(e -> {
      if (!e.hasBatch()) {
        deliver(req, cert, failed, sender, e);
        return;
      }
      // Each envelope of a batch passes the gate as if it had come alone; a batch inside one is malformed.
      for (Envelope inner : e.getBatch().getEnvelopesList()) {
        if (inner.hasBatch()) {
          LOG.debug("node {}: dropping a batch nested in a batch from node {}", cfg.nodeId(), inner.getFrom());
        } else {
          deliver(req, cert, failed, sender, inner);
        }
      }
    });
    req.exceptionHandler(err -> LOG.debug("incoming stream to {} broke: {}", cfg.nodeId(), err.toString()));
    req.endHandler(v -> {
      if (!failed[0]) {
        req.response().end(StreamAck.getDefaultInstance());
      }
    });
  }

  /** One envelope of the stream, admitted by the gate; the first refusal ends the stream. */
  private void deliver(GrpcServerRequest<Envelope, StreamAck> req, OptionalInt cert, boolean[] failed, int[] sender,
      Envelope e) {
    if (failed[0]) {
      return;
    }
    if (!gate.admit(cert, e.getClusterId(), e.getFrom(), e.getTo(), "message")) {
      failed[0] = true;
      req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(gate.refusalText("message stream")).end();
      return;
    }
    if (sender[0] < 0) {
      sender[0] = e.getFrom();
      links.peerIsBack(e.getFrom());
    }
    if (!faults.blocked(e.getFrom(), cfg.nodeId())) {
      handler.onMessage(e);
    }
  }

  private void propose(GrpcServerRequest<ProposeRequest, ProposeReply> req) {
    OptionalInt cert = gate.certNode(req);
    refuseOversized(req, cert, "forwarded proposal");
    req.last().onSuccess(r -> {
      if (!gate.admit(cert, r.getClusterId(), r.getFrom(), -1, "forwarded proposal")) {
        deny(req, "forwarded proposal");
      } else if (faults.blocked(r.getFrom(), cfg.nodeId())) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("cut by the fault injector").end();
      } else {
        handler.onPropose(r).onComplete((reply, err) -> {
          if (err != null) {
            req.response().status(GrpcStatus.INTERNAL).statusMessage(String.valueOf(err.getMessage())).end();
          } else {
            req.response().end(reply);
          }
        });
      }
    });
  }

  private void catchUp(GrpcServerRequest<CatchUpRequest, ValuesBatch> req) {
    OptionalInt cert = gate.certNode(req);
    refuseOversized(req, cert, "catch-up request");
    req.last().onSuccess(r -> {
      if (!gate.admit(cert, r.getClusterId(), r.getFrom(), -1, "catch-up request")) {
        deny(req, "catch-up request");
      } else {
        handler.onCatchUp(r, req.response());
      }
    });
  }

  private void readIndex(GrpcServerRequest<ReadIndexRequest, ReadIndexReply> req) {
    OptionalInt cert = gate.certNode(req);
    refuseOversized(req, cert, "read-index request");
    req.last().onSuccess(r -> {
      NodeTransport.MemberCalls calls = memberCalls;
      if (!gate.admit(cert, r.getClusterId(), r.getFrom(), -1, "read-index request")) {
        deny(req, "read-index request");
      } else if (calls == null) {
        starting(req);
      } else {
        calls.readIndex(r.getFrom()).onComplete((gtid, err) -> {
          if (err != null) {
            req.response().status(GrpcStatus.FAILED_PRECONDITION).statusMessage(String.valueOf(err.getMessage())).end();
          } else {
            req.response().end(ReadIndexReply.newBuilder().setGtid(gtid).setNode(cfg.nodeId()).build());
          }
        });
      }
    });
  }

  private void initPeer(GrpcServerRequest<InitPeerRequest, InitPeerReply> req) {
    OptionalInt cert = gate.certNode(req);
    refuseOversized(req, cert, "init request");
    req.last().onSuccess(r -> {
      NodeTransport.MemberCalls calls = memberCalls;
      if (!gate.admit(cert, r.getClusterId(), r.getFrom(), -1, "init request")) {
        deny(req, "init request");
      } else if (calls == null) {
        starting(req);
      } else {
        calls.initPeer(r.getFrom(), r.getMembersList()).onComplete((v, err) -> {
          if (err != null) {
            req.response().status(GrpcStatus.FAILED_PRECONDITION).statusMessage(String.valueOf(err.getMessage())).end();
          } else {
            req.response().end(InitPeerReply.newBuilder().setInitialised(true).build());
          }
        });
      }
    });
  }

  private void backup(GrpcServerRequest<BackupRequest, BackupChunk> req) {
    OptionalInt cert = gate.certNode(req);
    refuseOversized(req, cert, "backup request");
    req.last().onSuccess(r -> {
      NodeTransport.BackupSource source = backups;
      // A node seeds its MariaDB before `admin add-member` makes it a member: any holder of a certificate
      // from the cluster's CA (which only the operator mints) may ask, under the id its certificate names.
      if (!gate.admit(cert, r.getClusterId(), r.getFrom(), -1, "backup request", id -> true)) {
        deny(req, "backup request");
      } else if (source == null || faults.blocked(r.getFrom(), cfg.nodeId())) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("node " + cfg.nodeId()
            + " does not serve backups yet (it is starting); ask another member or retry").end();
      } else {
        source.onBackup(r, req.response());
      }
    });
  }

  private void seedCaughtUp(GrpcServerRequest<SeedCaughtUpRequest, SeedCaughtUpReply> req) {
    OptionalInt cert = gate.certNode(req);
    refuseOversized(req, cert, "seed caught-up notice");
    req.last().onSuccess(r -> {
      NodeTransport.BackupSource source = backups;
      // From whoever may ask for a backup (see backup()); it can only release the holds taken for the id its
      // certificate names, since the gate refuses a "from" that differs from it.
      if (!gate.admit(cert, r.getClusterId(), r.getFrom(), -1, "seed caught-up notice", id -> true)) {
        deny(req, "seed caught-up notice");
      } else if (source == null) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("node " + cfg.nodeId()
            + " does not serve backups yet (it is starting); retry").end();
      } else {
        int released = source.onCaughtUp(r.getFrom(), r.getAppliedBelow());
        req.response().end(SeedCaughtUpReply.newBuilder().setReleased(released).build());
      }
    });
  }

  /** A request above the message limit is answered RESOURCE_EXHAUSTED, counted and logged. */
  private void refuseOversized(GrpcServerRequest<?, ?> req, OptionalInt cert, String what) {
    req.invalidMessageHandler(err -> {
      tooLarge(req, cert, -1, err, what);
      req.response().status(GrpcStatus.RESOURCE_EXHAUSTED).statusMessage("node " + cfg.nodeId() + " refused a "
          + what + " above its limit of " + cfg.maxMessageBytes() + " bytes").end();
    });
  }

  private void tooLarge(GrpcServerRequest<?, ?> req, OptionalInt cert, int claimed, InvalidMessageException err,
      String what) {
    String peer = cert.isPresent() ? "node " + cert.getAsInt()
        : claimed >= 0 ? "node " + claimed + " (plaintext, as it claims)" : "an unidentified peer at " + remote(req);
    long size = err instanceof MessageSizeOverflowException o ? o.messageSize() : -1;
    gate.tooLarge(peer, size, what);
  }

  private static String remote(GrpcServerRequest<?, ?> req) {
    try {
      return String.valueOf(req.connection().remoteAddress());
    } catch (RuntimeException e) {
      return "an unknown address";
    }
  }

  private void deny(GrpcServerRequest<?, ?> req, String what) {
    req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(gate.refusalText(what)).end();
  }

  private void starting(GrpcServerRequest<?, ?> req) {
    req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("node " + cfg.nodeId() + " is starting").end();
  }
}
