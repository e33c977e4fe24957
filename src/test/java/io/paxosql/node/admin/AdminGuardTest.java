package io.paxosql.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.admin.AdminGuard.Access;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdminGuardTest {
  private static final String TOKEN = "c0ffee";
  private static final String HOST = "127.0.0.1:6415";
  private final AdminGuard open = new AdminGuard(TOKEN, false, Set.of("db1.example"), "/d/admin-token");
  private final AdminGuard closed = new AdminGuard(TOKEN, true, Set.of(), "/d/admin-token");

  private static int status(Optional<AdminException> e) {
    return e.map(AdminException::httpStatus).orElse(200);
  }

  @Test
  void mutatingNeedsTheExactTokenAlways() {
    assertEquals(401, status(open.check(Access.MUTATING, false, false, null, null, HOST)));
    assertEquals(401, status(open.check(Access.MUTATING, false, false, "Bearer c0ffe", null, HOST)));
    assertEquals(401, status(open.check(Access.MUTATING, false, false, "Bearer c0ffee0", null, HOST)));
    assertEquals(401, status(open.check(Access.MUTATING, false, false, "Basic c0ffee", null, HOST)));
    assertEquals(200, status(open.check(Access.MUTATING, false, false, "Bearer c0ffee", null, HOST)));
    assertEquals(200, status(open.check(Access.MUTATING, false, false, "bearer  c0ffee ", null, HOST)));
    // A member's certificate is no admin token: mutating routes still need it.
    assertEquals(401, status(open.check(Access.MUTATING, false, true, null, null, HOST)));
    String hint = open.check(Access.MUTATING, false, false, null, null, HOST).orElseThrow().hint();
    assertTrue(hint.contains("/d/admin-token") && hint.contains("--token-file"), hint);
  }

  @Test
  void readsAreOpenUnlessProtected() {
    assertEquals(200, status(open.check(Access.READ, true, false, null, null, HOST)));
    assertEquals(401, status(closed.check(Access.READ, true, false, null, null, HOST)));
    assertEquals(200, status(closed.check(Access.READ, true, false, "Bearer c0ffee", null, HOST)));
  }

  @Test
  void peerRoutesPassForMembersAndOtherwiseByMethod() {
    assertEquals(200, status(open.check(Access.PEER, true, false, null, null, HOST)));
    assertEquals(401, status(open.check(Access.PEER, false, false, null, null, HOST)));
    assertEquals(200, status(open.check(Access.PEER, false, false, "Bearer c0ffee", null, HOST)));
    assertEquals(200, status(open.check(Access.PEER, false, true, null, null, HOST)));
    assertEquals(401, status(closed.check(Access.PEER, true, false, null, null, HOST)));
    assertEquals(200, status(closed.check(Access.PEER, true, true, null, null, HOST)));
  }

  @Test
  void aForeignOriginIsRefusedEvenWithTheToken() {
    String ok = "Bearer c0ffee";
    assertEquals(403, status(open.check(Access.MUTATING, false, false, ok, "http://evil.example", HOST)));
    assertEquals(403, status(open.check(Access.READ, true, false, null, "http://evil.example", HOST)));
    assertEquals(403, status(open.check(Access.READ, true, false, null, "null", HOST)));
    assertEquals(403, status(open.check(Access.READ, true, false, null, "http://127.0.0.1:9999", HOST)));
    // DNS rebinding: the browser sends a Host that matches its own Origin, but the name is not ours.
    assertEquals(403, status(open.check(Access.READ, true, false, null, "http://evil.example:6415",
        "evil.example:6415")));
    assertEquals(403, status(open.check(Access.READ, true, false, null, "http://127.0.0.1:6415", null)));
    // Our own page (same host and port) may read, and mutate with the token.
    assertEquals(200, status(open.check(Access.READ, true, false, null, "http://127.0.0.1:6415", HOST)));
    assertEquals(200, status(open.check(Access.MUTATING, false, false, ok, "http://127.0.0.1:6415", HOST)));
    assertEquals(200, status(open.check(Access.READ, true, false, null, "http://localhost:6415", "localhost:6415")));
    assertEquals(200, status(open.check(Access.READ, true, false, null, "http://DB1.example:6415",
        "db1.example:6415")));
    assertEquals(200, status(open.check(Access.READ, true, false, null, "http://[::1]:6415", "[::1]:6415")));
  }
}
