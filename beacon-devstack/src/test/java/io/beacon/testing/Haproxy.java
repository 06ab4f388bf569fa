package io.beacon.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian package) running the project's {@code haproxy/haproxy.cfg} (or {@code haproxy-l4.cfg})
 * with a backends file, configured by environment like production. Stopped at close or JVM exit.
 */
public final class Haproxy implements AutoCloseable {
  public static final Path CONFIG_DIR = Path.of(System.getProperty("beacon.home", ".")).resolve("haproxy");
  /** The stats page's credentials (production reads the password from a secret file). */
  public static final String STATS_USER = "stats";
  public static final String STATS_PASSWORD = "stats-" + java.util.UUID.randomUUID();

  public final int ingestPort = FreePorts.one();
  public final int ingestTlsPort = FreePorts.one();
  public final int dashboardPort = FreePorts.one();
  public final int dashboardTlsPort = FreePorts.one();
  public final int statsPort = FreePorts.one();
  public final int metricsPort = FreePorts.one();
  private final Map<String, String> env = new HashMap<>();
  private final List<Path> configs;
  private final Path log;
  private Process process;
  private final Thread hook = new Thread(this::stop, "stop-haproxy");

  public Haproxy(Path workDir, Path certificate, List<Path> configs, Map<String, String> extraEnv) {
    this.configs = configs;
    this.log = workDir.resolve("haproxy-" + ingestPort + ".log");
    env.put("BEACON_LB_INGEST_BIND", "127.0.0.1:" + ingestPort);
    env.put("BEACON_LB_INGEST_TLS_BIND", "127.0.0.1:" + ingestTlsPort);
    env.put("BEACON_LB_DASHBOARD_BIND", "127.0.0.1:" + dashboardPort);
    env.put("BEACON_LB_DASHBOARD_TLS_BIND", "127.0.0.1:" + dashboardTlsPort);
    env.put("BEACON_LB_DASHBOARD_HTTPS_PORT", Integer.toString(dashboardTlsPort));
    env.put("BEACON_LB_STATS_BIND", "127.0.0.1:" + statsPort);
    env.put("BEACON_LB_STATS_USER", STATS_USER);
    env.put("BEACON_LB_STATS_PASSWORD", STATS_PASSWORD);
    env.put("BEACON_LB_METRICS_BIND", "127.0.0.1:" + metricsPort);
    env.put("BEACON_LB_TLS_CERT", certificate.toString());
    env.put("BEACON_LB_INGEST_RATE", "100000");
    env.put("BEACON_LB_LOGIN_RATE", "10");
    // As haproxy.env.example: above the nodes' recompute.reportTimeoutMs.
    env.put("BEACON_LB_QUERY_TIMEOUT", "130s");
    env.putAll(extraEnv);
  }

  /** Validates with {@code haproxy -c -dW} (warnings are fatal), returning the output. */
  public static String check(List<Path> configs, Map<String, String> env) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("haproxy", "-c", "-dW"));
    configs.forEach(c -> cmd.addAll(List.of("-f", c.toString())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new AssertionError("haproxy -c failed:\n" + out);
    }
    return out;
  }

  public Map<String, String> env() {
    return env;
  }

  public Haproxy start() throws IOException {
    List<String> cmd = new ArrayList<>(List.of("haproxy", "-db")); // -db: foreground, no daemon
    configs.forEach(c -> cmd.addAll(List.of("-f", c.toString())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    process = pb.start();
    Runtime.getRuntime().addShutdownHook(hook);
    await("haproxy answers").atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> {
          if (!process.isAlive()) {
            throw new AssertionError("haproxy exited:\n" + Files.readString(log));
          }
          return get(statsPort, "/healthz").statusCode() == 200;
        });
    return this;
  }

  /** The exporter's {@code haproxy_server_status} for one server: 1 = UP. */
  public boolean serverUp(String backend, String server) throws IOException, InterruptedException {
    String metrics = get(statsPort, "/metrics").body();
    String needle = "haproxy_server_status{proxy=\"" + backend + "\",server=\"" + server + "\",state=\"UP\"} 1";
    return metrics.contains(needle);
  }

  public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }

  /**
   * A self-signed certificate for 127.0.0.1 and localhost (subjectAltName, so clients can verify it), with its key
   * in one PEM file as HAProxy's {@code crt} takes it.
   */
  public static Path selfSignedCertificate(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path key = dir.resolve("key.pem");
    Path crt = dir.resolve("crt.pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", key.toString(), "-out", crt.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new AssertionError("openssl failed:\n" + out);
    }
    Path pem = dir.resolve("beacon.pem");
    Files.writeString(pem, Files.readString(crt) + Files.readString(key));
    return pem.toAbsolutePath();
  }

  /**
   * An HTTP/1.1 client that trusts exactly the certificate of {@code pem} (as made by {@link
   * #selfSignedCertificate}), keeping cookies in {@code cookies} if given: a browser of the dashboard over TLS.
   */
  public static HttpClient tlsClient(Path pem, java.net.CookieHandler cookies) {
    try {
      String text = Files.readString(pem);
      String cert = text.substring(text.indexOf("-----BEGIN CERTIFICATE-----"),
          text.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----".length());
      java.security.cert.Certificate c = java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(cert.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
      java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("beacon-test", c);
      javax.net.ssl.TrustManagerFactory tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
          .connectTimeout(Duration.ofSeconds(2));
      if (cookies != null) {
        b.cookieHandler(cookies);
      }
      return b.build();
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + pem, e);
    }
  }

  /** {@code https://127.0.0.1:<dashboard TLS port><path>}. */
  public URI dashboard(String path) {
    return URI.create("https://127.0.0.1:" + dashboardTlsPort + path);
  }

  private static final class Http {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
  }
}
