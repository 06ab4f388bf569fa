package io.beacon.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beacon cluster-certs}: the certificates of a cluster's mutual TLS ({@code cluster.tls}): a CA, a trust
 * store holding its certificate, and one key store per node with a certificate the CA signed. Made with the JDK's
 * {@code keytool}, so nothing but a JDK is needed. Every password is random and written to a file readable by its
 * owner only; keep {@code ca.p12} and {@code ca.password} off the nodes (they sign new members).
 */
@Command(name = "cluster-certs", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = {"Makes the certificates of the cluster's mutual TLS (cluster.tls): a CA, its trust store, and a "
        + "key store per node.", ""},
    footer = {"", "Files in DIR: ca.p12 + ca.password (keep them off the nodes), truststore.p12 + "
        + "truststore.password, and NODE.p12 + NODE.password for each node. Start a node with",
        "  BEACON_CLUSTER_TLS_ENABLED=true BEACON_CLUSTER_TLS_KEY_STORE=DIR/NODE.p12",
        "  BEACON_CLUSTER_TLS_KEY_STORE_PASSWORD=$(cat DIR/NODE.password) BEACON_CLUSTER_TLS_TRUST_STORE=DIR/truststore.p12",
        "  BEACON_CLUSTER_TLS_TRUST_STORE_PASSWORD=$(cat DIR/truststore.password)",
        "Run again with an existing DIR to add nodes: the CA there signs them."})
public final class ClusterCerts implements Callable<Integer> {
  private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Cli.Io io;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "where the files go (created)")
  Path dir;

  @Option(names = "--nodes", required = true, split = ",", paramLabel = "NODE",
      description = "node names (their certificates' common names), comma-separated")
  List<String> nodes;

  @Option(names = "--days", defaultValue = "825", paramLabel = "N", description = "node certificates' validity "
      + "(default: ${DEFAULT-VALUE}); the CA's is 10 years")
  int days;

  public ClusterCerts(Cli.Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    for (String n : nodes) {
      if (!NODE.matcher(n).matches() || n.equals("ca") || n.equals("truststore")) {
        io.err().println("cluster-certs: '" + n + "' is not a node name (letters, digits, . _ -; not ca or truststore)");
        return 2;
      }
    }
    List<Path> made = create(dir, nodes, days);
    made.forEach(p -> io.out().println(p));
    return 0;
  }

  /**
   * Makes (or reuses) the CA and trust store in {@code dir} and a key store for each node not there yet.
   *
   * @return the files written
   */
  public static List<Path> create(Path dir, List<String> nodes, int days) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    List<Path> made = new ArrayList<>();
    Path ca = dir.resolve("ca.p12");
    Path caPem = dir.resolve("ca.pem");
    Path trust = dir.resolve("truststore.p12");
    if (!Files.exists(ca)) {
      String caPass = secret(dir.resolve("ca.password"), made);
      keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
          "-dname", "CN=Beacon cluster CA", "-ext", "bc:c", "-ext", "KU=keyCertSign,cRLSign", "-validity", "3650",
          "-storetype", "PKCS12", "-keystore", ca.toString(), "-storepass", caPass);
      keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", caPass,
          "-file", caPem.toString());
      made.add(ca);
      made.add(caPem);
      String trustPass = secret(dir.resolve("truststore.password"), made);
      keytool("-importcert", "-noprompt", "-alias", "beacon-cluster-ca", "-file", caPem.toString(),
          "-storetype", "PKCS12", "-keystore", trust.toString(), "-storepass", trustPass);
      made.add(trust);
    }
    String caPass = Files.readString(dir.resolve("ca.password"), StandardCharsets.UTF_8).strip();
    for (String node : nodes) {
      Path store = dir.resolve(node + ".p12");
      if (Files.exists(store)) {
        continue;
      }
      String pass = secret(dir.resolve(node + ".password"), made);
      Path csr = dir.resolve(node + ".csr");
      Path pem = dir.resolve(node + ".pem");
      keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg",
          "SHA256withECDSA", "-dname", "CN=" + node, "-validity", Integer.toString(days), "-storetype", "PKCS12",
          "-keystore", store.toString(), "-storepass", pass);
      keytool("-certreq", "-alias", "node", "-keystore", store.toString(), "-storepass", pass, "-file", csr.toString());
      // Both ends of a link present their certificate: serverAuth and clientAuth.
      keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", caPass,
          "-infile", csr.toString(), "-outfile", pem.toString(), "-validity", Integer.toString(days),
          "-ext", "KU=digitalSignature", "-ext", "EKU=serverAuth,clientAuth");
      keytool("-importcert", "-noprompt", "-trustcacerts", "-alias", "beacon-cluster-ca", "-file", caPem.toString(),
          "-keystore", store.toString(), "-storepass", pass);
      keytool("-importcert", "-noprompt", "-alias", "node", "-file", pem.toString(), "-keystore", store.toString(),
          "-storepass", pass);
      Files.delete(csr);
      Files.delete(pem);
      made.add(store);
    }
    return made;
  }

  /** A new random password in {@code file} (owner-only), returned. */
  private static String secret(Path file, List<Path> made) throws IOException {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    String pass = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    Files.writeString(file, pass + "\n", StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the operator's umask applies
    }
    made.add(file);
    return pass;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    // A short-lived JVM per call (about five per node): the quick compiler and a small GC halve its start-up.
    cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xss512k"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      // keytool's own words; the passwords on its command line are not repeated.
      throw new IOException("keytool " + args[0] + " failed: " + out.strip());
    }
  }
}
