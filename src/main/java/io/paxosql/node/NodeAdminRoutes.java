package io.paxosql.node;

import io.paxosql.node.admin.AdminServer;
import io.paxosql.node.admin.PeerClient;
import io.vertx.core.http.HttpMethod;

/**
 * The node's admin port: which handler answers which route (the admin API, the status page's
 * overviews, {@code /local} for peers, seeding, membership) and the guard and limits in front of them.
 */
final class NodeAdminRoutes {
  private NodeAdminRoutes() {}

  /** The admin server of {@code node}, its routes installed; the caller makes it listen. */
  static AdminServer build(ClusterNode node, String adminToken) {
    PeerClient peers = new PeerClient(node.vertx(), ClusterAdminService.PEER_TIMEOUT_MS, node.peerAuthorization());
    ClusterAdminService service = new ClusterAdminService(node, peers);
    ClusterOverview overview = new ClusterOverview(node, peers);
    AdminServer admin = new AdminServer(node.vertx(), service, NodeWiring.adminGuard(node.config(), adminToken))
        .withMetrics(node.registry()).withLimits(NodeWiring.adminLimits(node.config().admin()));
    admin.router().get("/local/overview").handler(overview::local);
    admin.router().get("/cluster").handler(overview::cluster);
    admin.peerRoute(HttpMethod.GET, "/local").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").end(node.localStatus().encodePrettily()));
    new SeedAdmin(node, service).routes(admin.router());
    PeerAdmin peerAdmin = new PeerAdmin(new PeerClient(node.vertx(), PeerAdmin.TIMEOUT_MS, node.peerAuthorization()));
    new MembershipRoutes(node, new MembershipChanges(node, peerAdmin), peerAdmin).install(admin.router());
    return admin;
  }
}
