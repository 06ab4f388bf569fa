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
 * A real HAProxy (Debian package) running the project's {@code haproxy/haproxy.cfg} with a
 * backends file, configured by environment like production. Stopped at close or JVM exit.
 */
public final class Haproxy implements AutoCloseable {
  public static final Path CONFIG_DIR = Path.of(System.getProperty("beacon.home", ".")).resolve("haproxy");

  public final int ingestPort = FreePorts.one();
  public final int ingestTlsPort = FreePorts.one();
  public final int dashboardPort = FreePorts.one();
  public final int dashboardTlsPort = FreePorts.one();
  public final int statsPort = FreePorts.one();
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
    env.put("BEACON_LB_STATS_BIND", "127.0.0.1:" + statsPort);
    env.put("BEACON_LB_TLS_CERT", certificate.toString());
    env.put("BEACON_LB_INGEST_RATE", "100000");
    env.put("BEACON_LB_LOGIN_RATE", "10");
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

  private static final class Http {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
  }
}
