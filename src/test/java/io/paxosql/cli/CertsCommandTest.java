package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.tls.TlsFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertsCommandTest {
  @Test
  void makesACaAndOneCertificatePerNodeAndRefusesToOverwrite(@TempDir Path dir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String d = dir.toString();
    assertEquals(0, Main.execute(new PrintWriter(out), new PrintWriter(err), "certs", "--out", d, "--nodes", "1,2,3",
        "--hosts", "10.0.0.1,10.0.0.2,db3.example"), err.toString());
    for (int id = 1; id <= 3; id++) {
      TlsFiles.inDir(dir, id); // all three files readable
    }
    assertTrue(out.toString().contains("paxosql://node/3, db3.example"), out.toString());
    assertEquals(1, Main.execute(new PrintWriter(out), new PrintWriter(err), "certs", "--out", d, "--nodes", "2",
        "--hosts", "10.0.0.2"));
    assertTrue(err.toString().contains("node-2.pem exists"), err.toString());
    assertEquals(0, Main.execute(new PrintWriter(out), new PrintWriter(err), "certs", "--out", d, "--nodes", "4",
        "--hosts", "10.0.0.4"), "a new member joins the same CA");
    assertTrue(Files.exists(dir.resolve("node-4.key")));
  }

  @Test
  void usageErrorsExitTwo(@TempDir Path dir) {
    String d = dir.toString();
    StringWriter sink = new StringWriter();
    PrintWriter w = new PrintWriter(sink);
    assertEquals(Main.EXIT_USAGE, Main.execute(w, w, "certs", "--out", d, "--nodes", "1,2,3", "--hosts", "a,b"));
    assertEquals(Main.EXIT_USAGE, Main.execute(w, w, "certs", "--out", d, "--nodes", "0", "--hosts", "a"));
    assertEquals(Main.EXIT_USAGE, Main.execute(w, w, "certs", "--out", d, "--nodes", "1,1", "--hosts", "a"));
    assertEquals(Main.EXIT_USAGE, Main.execute(w, w, "certs", "--nodes", "1", "--hosts", "a"));
  }
}
