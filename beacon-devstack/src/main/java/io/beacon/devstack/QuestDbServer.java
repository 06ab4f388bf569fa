package io.beacon.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A QuestDB 9.3 server ({@code io.questdb.ServerMain -d <home>}), configured through {@code QDB_*} environment
 * variables (they override {@code <home>/conf/server.conf}, which QuestDB writes on its first start).
 */
final class QuestDbServer extends ServerProcess {

  private final int httpPort;
  private final int pgPort;
  private final int metricsPort = JmxExporter.freePort();
  /** Null: QuestDB's defaults (PG admin/quest, HTTP without authentication), as the local stack runs it. */
  private volatile String[] credentials;

  QuestDbServer(Path beaconHome, Path dataDir, int httpPort, int pgPort) {
    super("questdb", beaconHome, dataDir);
    this.httpPort = httpPort;
    this.pgPort = pgPort;
  }

  /**
   * One user and password for the PG wire protocol and HTTP (REST, ILP over HTTP and the web console, which then
   * asks for them): QuestDB's {@code pg.user}/{@code pg.password} and {@code http.user}/{@code http.password}.
   * They reach QuestDB through its environment, readable only by this machine's root and the process's owner.
   */
  QuestDbServer withCredentials(String user, String password) {
    this.credentials = new String[] {user, password};
    return this;
  }

  /** The HTTP Authorization header value for REST calls, or null without credentials. */
  String authorization() {
    String[] c = credentials;
    return c == null ? null : "Basic " + java.util.Base64.getEncoder()
        .encodeToString((c[0] + ":" + c[1]).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A GET of {@code url} with this server's credentials, if any. */
  HttpRequest.Builder request(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    String auth = authorization();
    return auth == null ? b : b.header("Authorization", auth);
  }

  /** "http://127.0.0.1:port": REST (/exec), ILP over HTTP (/write, /api/v2/write) and the web console. */
  String httpUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Where QuestDB serves its Prometheus metrics (its "min" HTTP server, 127.0.0.1). */
  public int metricsPort() {
    return metricsPort;
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.createDirectories(home()); // QuestDB refuses a root dir that does not exist
  }

  @Override
  protected List<String> jvmOptions() {
    // QuestDB keeps its data off-heap (mmap); the heap holds query plumbing, but an exact count_distinct over
    // millions of strings (e.g. an ad-hoc SQL GROUP BY) ran 384 MB out of memory, so leave it room (grown lazily).
    return List.of("-Xms64m", "-Xmx1g", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true");
  }

  @Override
  protected String mainClass() {
    return "io.questdb.ServerMain";
  }

  @Override
  protected List<String> arguments() {
    return List.of("-d", home().toString());
  }

  @Override
  protected Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>(Map.of(
        "QDB_HTTP_NET_BIND_TO", "127.0.0.1:" + httpPort,
        "QDB_PG_NET_BIND_TO", "127.0.0.1:" + pgPort,
        // Beacon writes over ILP/HTTP; the TCP/UDP line listeners would only take more fixed ports (9009).
        "QDB_LINE_TCP_ENABLED", "false",
        "QDB_LINE_UDP_ENABLED", "false",
        // The "min" server serves /metrics (Prometheus) on a port of its own, as in the compose file; its health
        // and metrics carry no data, so Prometheus scrapes them without the database's credentials.
        "QDB_HTTP_MIN_NET_BIND_TO", "127.0.0.1:" + metricsPort,
        "QDB_METRICS_ENABLED", "true",
        "QDB_HTTP_HEALTH_CHECK_AUTHENTICATION_REQUIRED", "false",
        "QDB_TELEMETRY_ENABLED", "false"));
    env.putAll(IDLE_QUIETLY);
    String[] c = credentials;
    if (c != null) {
      env.put("QDB_PG_USER", c[0]);
      env.put("QDB_PG_PASSWORD", c[1]);
      env.put("QDB_HTTP_USER", c[0]);
      env.put("QDB_HTTP_PASSWORD", c[1]);
    }
    return env;
  }

  /**
   * QuestDB's worker threads spin and yield for thousands of empty loops before they sleep, which suits a
   * server of its own. On a laptop sharing its cores with Kafka, Cassandra, Spark and Beacon, a trickle of writes
   * (50 hits/s) kept about 90% of a core busy; with these thresholds an idle worker sleeps after a few empty
   * loops and the same trickle costs about 25% (measured 2026-11-27). Under sustained load workers always find
   * work, so throughput is unchanged.
   */
  static final Map<String, String> IDLE_QUIETLY = idleQuietly();

  private static Map<String, String> idleQuietly() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String pool : List.of("SHARED", "WAL_APPLY", "MAT_VIEW_REFRESH", "VIEW_COMPILER", "EXPORT", "HTTP", "PG")) {
      env.put("QDB_" + pool + "_WORKER_YIELD_THRESHOLD", "1");
      env.put("QDB_" + pool + "_WORKER_NAP_THRESHOLD", "2");
      env.put("QDB_" + pool + "_WORKER_SLEEP_THRESHOLD", "5");
    }
    return Map.copyOf(env);
  }

  /** Ready = {@code GET /exec?query=select 1} answers 200. */
  @Override
  protected Probe newProbe() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = request(httpUrl() + "/exec?query=select%201")
        .timeout(Duration.ofSeconds(3))
        .GET()
        .build();
    return () -> {
      requirePortOpen(httpPort);
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body());
      }
    };
  }
}
