package io.beacon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.tools.Tools;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beacon cluster-certs}: a CA, its trust store and node key stores the CA signed, made with keytool. */
class ClusterCertsTest {
  @TempDir
  Path dir;

  @Test
  void nodeCertificatesAreSignedByTheClustersCaAndAddingANodeKeepsTheCa() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Tools.run(new String[] {"cluster-certs", "--dir", dir.toString(), "--nodes", "node-1,node-2"},
        new Cli.Io(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    assertThat(code).isZero();
    X509Certificate ca = (X509Certificate) load("truststore.p12", "truststore.password")
        .getCertificate("beacon-cluster-ca");
    assertThat(ca.getBasicConstraints()).as("a CA").isGreaterThanOrEqualTo(0);
    for (String node : List.of("node-1", "node-2")) {
      KeyStore ks = load(node + ".p12", node + ".password");
      X509Certificate cert = (X509Certificate) ks.getCertificate("node");
      assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=" + node);
      cert.verify(ca.getPublicKey()); // throws unless the CA signed it
      assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
      assertThat(ks.getCertificateChain("node")).hasSize(2);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(node + ".password"))))
          .isEqualTo("rw-------");
    }
    byte[] caBefore = Files.readAllBytes(dir.resolve("ca.p12"));
    ClusterCerts.create(dir, List.of("node-1", "node-3"), 30);
    assertThat(Files.readAllBytes(dir.resolve("ca.p12"))).as("the CA is kept").isEqualTo(caBefore);
    ((X509Certificate) load("node-3.p12", "node-3.password").getCertificate("node")).verify(ca.getPublicKey());
    assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
        .noneMatch(n -> n.endsWith(".csr") || n.endsWith(".pem") && !n.equals("ca.pem"));
  }

  @Test
  void aBadNodeNameIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Tools.run(new String[] {"cluster-certs", "--dir", dir.toString(), "--nodes", "ca"},
        new Cli.Io(Map.of(), System.out, new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("'ca' is not a node name");
  }

  private KeyStore load(String file, String passwordFile) throws Exception {
    char[] pass = Files.readString(dir.resolve(passwordFile)).strip().toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(file))) {
      ks.load(in, pass);
    }
    return ks;
  }
}
