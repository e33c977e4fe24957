package io.paxosql.node.admin;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may do what on the admin port. Pure: it sees a request's access level and headers and answers
 * with the refusal to send, if any. The admin server asks it before any route runs, so a route added
 * later is guarded too; its access level comes from its HTTP method unless declared otherwise.
 *
 * <ul>
 *   <li>A request carrying a foreign {@code Origin} (a page from another site in a browser, including a
 *       DNS-rebound name) is refused with 403 whatever else it carries: a browser attaches no bearer
 *       token on its own, so this stops cross-site requests before they cost anything.</li>
 *   <li>{@link Access#MUTATING} needs {@code Authorization: Bearer <token>}.</li>
 *   <li>{@link Access#READ} needs it only with {@code admin.protectReads: true}.</li>
 *   <li>{@link Access#PEER} routes are what other members call (init-peer, read-index, /local): a
 *       request proven to come from a member passes; otherwise they are treated as READ (GET) or
 *       MUTATING (anything else).</li>
 * </ul>
 */
public final class AdminGuard {
  /** What a route does to the node. */
  public enum Access { READ, PEER, MUTATING }

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final byte[] token;
  private final boolean protectReads;
  private final Set<String> ownNames;
  private final String tokenFile;

  /**
   * @param token the node's admin token
   * @param protectReads whether read-only routes need the token too
   * @param ownNames host names (lower case) this node answers to besides IP literals and localhost,
   *     e.g. its host in the member list; an Origin naming another host is foreign
   * @param tokenFile where the token lives, named in refusals so an operator knows where to look
   */
  public AdminGuard(String token, boolean protectReads, Set<String> ownNames, String tokenFile) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the admin token is empty");
    }
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.protectReads = protectReads;
    this.ownNames = Set.copyOf(ownNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
    this.tokenFile = tokenFile;
  }

  /**
   * The refusal for a request, or empty when it may proceed.
   *
   * @param access the route's access level
   * @param safeMethod whether the method is GET or HEAD (reads)
   * @param fromMember whether the request was proven to come from a cluster member (mutual TLS)
   * @param authorization the Authorization header, or null
   * @param origin the Origin header, or null
   * @param host the Host header, or null
   */
  public Optional<AdminException> check(Access access, boolean safeMethod, boolean fromMember, String authorization,
      String origin, String host) {
    if (origin != null && !sameSite(origin, host)) {
      return Optional.of(new AdminException("foreign-origin", 403,
          "requests from a web page of another site (Origin " + origin + ") are refused",
          "use the paxosql admin command or a client that sends no Origin header, or open the status page from "
              + "the node's own address"));
    }
    boolean needsToken = switch (access) {
      case MUTATING -> true;
      case READ -> protectReads;
      case PEER -> !fromMember && (!safeMethod || protectReads);
    };
    if (!needsToken) {
      return Optional.empty();
    }
    String hint = "send the header 'Authorization: Bearer <token>' with the token from " + tokenFile
        + " on this node; with the command line: paxosql admin --token-file FILE (or --config NODE.yaml)";
    if (authorization == null || authorization.isBlank()) {
      return Optional.of(new AdminException("unauthorized", 401,
          "this request needs the node's admin token" + (access == Access.READ ? " (admin.protectReads is on)" : ""),
          hint));
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(new AdminException("unauthorized", 401,
          "the Authorization header is not of the form 'Bearer <token>'", hint));
    }
    byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, token)) {
      return Optional.of(new AdminException("unauthorized", 401, "the admin token does not match this node's",
          hint + " (each node has its own token unless you copied one token to every member)"));
    }
    return Optional.empty();
  }

  /**
   * An Origin is ours when it names exactly the host and port the request was sent to, and that host
   * is an IP literal, localhost or one of this node's names. A name of another site that resolves to
   * our address (DNS rebinding) fails the second test even though the browser sends a matching Host.
   */
  private boolean sameSite(String origin, String host) {
    if (host == null) {
      return false;
    }
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme();
    if (uri.getHost() == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      return false; // includes the "null" origin of sandboxed pages and files
    }
    String authority = uri.getRawAuthority().toLowerCase(Locale.ROOT);
    if (!authority.equals(host.toLowerCase(Locale.ROOT))) {
      return false;
    }
    String name = uri.getHost().toLowerCase(Locale.ROOT);
    return IPV4.matcher(name).matches() || name.startsWith("[") || name.equals("localhost") || ownNames.contains(name);
  }
}
