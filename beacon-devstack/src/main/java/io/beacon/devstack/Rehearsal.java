package io.beacon.devstack;

import io.beacon.Main;
import java.io.IOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beacon rehearse}: the production topology of {@code docker-compose.yml} as plain JVMs on this machine's
 * loopback: 3 Kafka brokers (KRaft, RF 3, min.insync.replicas 2), 3 Cassandra nodes on 127.0.0.1/.2/.3, QuestDB,
 * and the compose file's Beacon nodes (roles from {@code deploy/node-*.yaml}, environment from compose with
 * addresses moved to the loopback, see {@link ComposeNodes}); then a smoke check (hits in through both ingest
 * nodes, seen in QuestDB and in a real-time report of a serve node) and a summary with each process's RSS.
 * Every process logs to {@code <run dir>/logs/<process>.log}. Ctrl-C (or any JVM exit) stops the Beacon nodes,
 * then every server, by PID.
 *
 * <p>Not yet: Spark master/workers and the job, HAProxy + keepalived VIP, Prometheus, faults, TLS/auth (issue 18).
 */
@Command(name = "beacon rehearse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runs the multi-node production topology of docker-compose.yml on this machine (no Docker).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped (or --exit-after-smoke: smoke check passed)", "1:a process failed to start or the "
        + "smoke check failed", "2:docker-compose.yml and the rehearsal disagree, or a port is taken"})
public final class Rehearsal implements Callable<Integer> {
  private static final int EXIT_FAILED = 1;
  private static final int EXIT_CONFIG = 2;
  private static final int RUNNING = -1;

  /** Fixed loopback ports, below the ephemeral range so the test suites' free ports never take them. */
  static final int KAFKA_PORT = 19092;
  static final int KAFKA_CONTROLLER_PORT = 19192;
  static final int CASSANDRA_CQL_PORT = 19042;
  static final int CASSANDRA_STORAGE_PORT = 17000;
  static final int QUESTDB_HTTP_PORT = 19000;
  static final int QUESTDB_PG_PORT = 18812;
  static final int COLLECTOR_PORT = 18080;   // + node index (0-based)
  static final int QUERY_PORT = 18180;
  static final int MANAGEMENT_PORT = 19464;
  static final int DISCOVERY_PORT = 47600;
  static final int COMMUNICATION_PORT = 47700;
  static final int CLUSTER_SIZE = 3;
  static final String ADMIN_EMAIL = "admin@localhost";
  static final int NODE_START_ATTEMPTS = 3;

  @Option(names = "--compose", paramLabel = "FILE", defaultValue = "docker-compose.yml",
      description = "The compose file whose beacon-N services are run (default: ${DEFAULT-VALUE}).")
  Path composeFile;

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "Data and logs of this run (default: target/rehearsal/<UTC time>).")
  Path runDir;

  @Option(names = "--node-heap", paramLabel = "MB", defaultValue = "384",
      description = "Max heap of each Beacon node (compose's BEACON_OPTS is for a 3 GB container; default: ${DEFAULT-VALUE}).")
  int nodeHeapMb;

  @Option(names = "--no-smoke", description = "Skip the smoke check.")
  boolean noSmoke;

  @Option(names = "--exit-after-smoke", description = "Stop everything after the smoke check and the summary.")
  boolean exitAfterSmoke;

  private final Instant begin = Instant.now();
  private final List<ServerProcess> all = new ArrayList<>();
  private final Map<String, Duration> readyAt = new LinkedHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger restarts = new java.util.concurrent.atomic.AtomicInteger();

  public static void main(String[] args) {
    int code = new CommandLine(new Rehearsal()).execute(args);
    if (code != RUNNING) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath().normalize();
    Path compose = home.resolve(composeFile).normalize();
    List<ComposeNodes.Node> composeNodes;
    try {
      composeNodes = ComposeNodes.read(compose);
    } catch (LocalStackException e) {
      System.err.println("beacon rehearse: " + e.getMessage());
      return EXIT_CONFIG;
    }
    Path run = (runDir != null ? runDir : home.resolve("target").resolve("rehearsal")
        .resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(begin)))
        .toAbsolutePath().normalize();
    Path logs = run.resolve("logs");
    Files.createDirectories(logs);

    String clusterId = KafkaServer.randomClusterId();
    List<KafkaServer> kafka = new ArrayList<>();
    for (int n = 1; n <= CLUSTER_SIZE; n++) {
      kafka.add(new KafkaServer(home, run, logs,
          new KafkaServer.ClusterNode(n, CLUSTER_SIZE, KAFKA_PORT, KAFKA_CONTROLLER_PORT, clusterId)));
    }
    List<CassandraServer> cassandra = new ArrayList<>();
    for (int n = 1; n <= CLUSTER_SIZE; n++) {
      cassandra.add(new CassandraServer(home, run, logs,
          new CassandraServer.ClusterNode(n, "beacon-rehearsal", CASSANDRA_CQL_PORT, CASSANDRA_STORAGE_PORT)));
    }
    QuestDbServer questdb = new QuestDbServer(home, run, QUESTDB_HTTP_PORT, QUESTDB_PG_PORT);
    String bootstrap = kafka.get(0).clusterBootstrap();
    String contactPoints = String.join(",", cassandra.stream().map(CassandraServer::contactPoint).toList());
    String adminPassword = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));

    List<BeaconNodeServer> nodes = new ArrayList<>();
    for (int i = 0; i < composeNodes.size(); i++) {
      ComposeNodes.Node spec = composeNodes.get(i);
      Map<String, String> env = nodeEnv(spec, i, composeNodes.size(), run, bootstrap, contactPoints, questdb, adminPassword);
      nodes.add(new BeaconNodeServer(spec.service(), home, run, logs, spec.configFile(), env,
          List.of("-Xms64m", "-Xmx" + nodeHeapMb + "m"), MANAGEMENT_PORT + i));
    }
    List<String> taken = takenPorts(composeNodes.size());
    if (!taken.isEmpty()) {
      System.err.println("beacon rehearse: already in use: " + String.join(", ", taken)
          + " (is another rehearsal running?)");
      return EXIT_CONFIG;
    }

    // Ctrl-C / exit: the Beacon nodes leave first, while the stores still answer; then the servers (the hook
    // of ChildProcesses stops every live child by PID: SIGTERM, then SIGKILL after 30 s).
    ChildProcesses.beforeStop(() -> {
      if (nodes.stream().noneMatch(ServerProcess::isAlive) && all.stream().noneMatch(ServerProcess::isAlive)) {
        return; // stopped already (--exit-after-smoke)
      }
      say("stopping the Beacon nodes, then the servers ...");
      ChildProcesses.stopAll(nodes);
    });

    // A thread per process start: they mostly wait (each Kafka broker waits for its quorum, so all three must run at
    // once); the common pool may have a single thread on a small machine.
    ExecutorService starters = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "rehearsal-start");
      thread.setDaemon(true);
      return thread;
    });
    say("run dir %s (logs in %s)", run, logs);
    say("compose %s: %s", compose, String.join(", ", composeNodes.stream()
        .map(n -> n.service() + " [" + n.roleList() + "]").toList()));
    try {
      // Kafka (3 brokers wait for their quorum, so together) and QuestDB start while Cassandra's nodes join one by one.
      CompletableFuture<Void> kafkaReady = CompletableFuture.allOf(kafka.stream()
          .map(k -> CompletableFuture.runAsync(() -> startAndAwait(k), starters)).toArray(CompletableFuture[]::new));
      CompletableFuture<Void> questdbReady = CompletableFuture.runAsync(() -> startAndAwait(questdb), starters);
      say("Cassandra: 3 nodes on 127.0.0.1/.2/.3, one after the other (ring delay 5 s)");
      for (CassandraServer node : cassandra) {
        startAndAwait(node);
      }
      join(kafkaReady);
      join(questdbReady);
      say("stores ready: Kafka %s, Cassandra %s, QuestDB %s", bootstrap, contactPoints, questdb.httpUrl());
      // All nodes together: /ready needs BEACON_CLUSTER_MIN_MEMBERS of them in the cluster.
      List<CompletableFuture<Void>> nodesReady = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        BeaconNodeServer node = nodes.get(i);
        int attempts = composeNodes.get(i).restarts() ? NODE_START_ATTEMPTS : 1;
        nodesReady.add(CompletableFuture.runAsync(() -> startNode(node, attempts), starters));
      }
      CompletableFuture.allOf(nodesReady.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException | LocalStackException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      System.err.println("beacon rehearse: " + cause.getMessage());
      return EXIT_FAILED;
    }
    say("all %d processes ready", all.size());
    for (int i = 0; i < nodes.size(); i++) {
      say("  %s [%s]: collector http://127.0.0.1:%d  query http://127.0.0.1:%d  management http://127.0.0.1:%d/ready",
          nodes.get(i).name(), composeNodes.get(i).roleList(), COLLECTOR_PORT + i, QUERY_PORT + i, MANAGEMENT_PORT + i);
    }
    say("  admin: %s / %s", ADMIN_EMAIL, adminPassword);

    boolean smokeOk = true;
    if (!noSmoke) {
      try {
        smoke(composeNodes, questdb, adminPassword);
      } catch (Exception e) {
        smokeOk = false;
        System.err.println("beacon rehearse: smoke check FAILED: " + e);
      }
    }
    summary();
    if (exitAfterSmoke || !smokeOk) {
      Instant stopping = Instant.now();
      say("stopping the Beacon nodes ...");
      ChildProcesses.stopAll(nodes);
      say("Beacon nodes stopped in %.1f s; stopping the servers ...", seconds(stopping));
      List<ServerProcess> servers = new ArrayList<>(kafka);
      servers.addAll(cassandra);
      servers.add(questdb);
      ChildProcesses.stopAll(servers);
      say("everything stopped in %.1f s", seconds(stopping));
      return smokeOk ? 0 : EXIT_FAILED;
    }
    say("running; Ctrl-C stops everything");
    new CountDownLatch(1).await();
    return 0;
  }

  /** A node's environment: compose's, with its container addresses moved onto this machine's loopback. */
  static Map<String, String> nodeEnv(ComposeNodes.Node spec, int index, int size, Path run, String bootstrap,
                                     String contactPoints, QuestDbServer questdb, String adminPassword) {
    Map<String, String> env = new LinkedHashMap<>();
    ComposeNodes.KEPT.forEach(k -> env.put(k, spec.env().get(k)));
    Map<String, String> local = new LinkedHashMap<>();
    local.put("BEACON_KAFKA_BOOTSTRAP", bootstrap);
    local.put("BEACON_CASSANDRA_CONTACT_POINTS", contactPoints);
    local.put("BEACON_QUESTDB_HTTP_URL", questdb.httpUrl());
    local.put("BEACON_QUESTDB_PG_HOST", "127.0.0.1");
    local.put("BEACON_HTTP_MANAGEMENT_HOST", "127.0.0.1");
    local.put("BEACON_CLUSTER_HOST", "127.0.0.1");
    local.put("BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + DISCOVERY_PORT + ".." + (DISCOVERY_PORT + size - 1));
    local.put("BEACON_CLUSTER_WORK_DIR", run.resolve(spec.service()).resolve("ignite").toString());
    local.put("BEACON_COLLECTOR_TRUSTED_PROXIES", "127.0.0.1");
    local.put("BEACON_QUERY_TRUSTED_PROXIES", "127.0.0.1");
    local.put("BEACON_QUERY_SECURE_COOKIES", "false");
    // BEACON_OPTS becomes the node's heap flags (BeaconNodeServer), not an environment variable.
    if (!local.keySet().containsAll(ComposeNodes.LOCALIZED.stream().filter(k -> !k.equals("BEACON_OPTS")).toList())) {
      throw new IllegalStateException("a LOCALIZED key has no loopback value in Rehearsal.nodeEnv");
    }
    env.putAll(local);
    env.put("BEACON_HTTP_COLLECTOR_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_COLLECTOR_PORT", Integer.toString(COLLECTOR_PORT + index));
    env.put("BEACON_HTTP_QUERY_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(QUERY_PORT + index));
    env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(MANAGEMENT_PORT + index));
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(QUESTDB_PG_PORT));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(DISCOVERY_PORT));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT_RANGE", Integer.toString(size));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(COMMUNICATION_PORT));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", Integer.toString(size));
    env.put("BEACON_COLLECTOR_SPOOL_DIR", run.resolve(spec.service()).resolve("spool").toString());
    env.put("BEACON_QUERY_ADMIN_PASSWORD", adminPassword);
    return env;
  }

  /**
   * Compose restarts a node that exits ({@code restart: unless-stopped}), e.g. one whose start timed out against
   * a busy Kafka: so does the rehearsal, up to {@code attempts} starts, saying so on the console.
   */
  private void startNode(BeaconNodeServer node, int attempts) {
    for (int attempt = 1; ; attempt++) {
      try {
        startAndAwait(node);
        return;
      } catch (LocalStackException e) {
        if (attempt >= attempts || node.isAlive()) {
          throw e;
        }
        restarts.incrementAndGet();
        say("%s exited before it was ready (see its log); restarting it as compose's restart policy would (%d/%d)",
            node.name(), attempt + 1, attempts);
      }
    }
  }

  private void startAndAwait(ServerProcess server) {
    say("%s: starting (log %s)", server.name(), server.logFile());
    synchronized (all) {
      if (!all.contains(server)) {
        all.add(server);
      }
    }
    server.start();
    server.awaitReady(ServerProcess.DEFAULT_READY_TIMEOUT);
    Duration ready = server.lastReadyTime();
    synchronized (readyAt) {
      readyAt.put(server.name(), ready);
    }
    say("%s: ready in %.1f s (pid %d)", server.name(), ready.toMillis() / 1000.0, server.pid());
  }

  private static void join(CompletableFuture<Void> future) {
    future.join();
  }

  private List<String> takenPorts(int nodes) {
    Map<String, List<Integer>> byHost = new LinkedHashMap<>();
    List<Integer> local = new ArrayList<>();
    for (int n = 0; n < CLUSTER_SIZE; n++) {
      local.add(KAFKA_PORT + n);
      local.add(KAFKA_CONTROLLER_PORT + n);
    }
    local.addAll(List.of(QUESTDB_HTTP_PORT, QUESTDB_PG_PORT));
    for (int i = 0; i < nodes; i++) {
      local.addAll(List.of(COLLECTOR_PORT + i, QUERY_PORT + i, MANAGEMENT_PORT + i, DISCOVERY_PORT + i,
          COMMUNICATION_PORT + i));
    }
    byHost.put("127.0.0.1", local);
    for (int n = 1; n <= CLUSTER_SIZE; n++) {
      byHost.computeIfAbsent("127.0.0." + n, h -> new ArrayList<>())
          .addAll(List.of(CASSANDRA_CQL_PORT, CASSANDRA_STORAGE_PORT));
    }
    List<String> taken = new ArrayList<>();
    byHost.forEach((host, ports) -> ports.forEach(port -> {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress(host, port));
      } catch (IOException e) {
        taken.add(host + ":" + port);
      }
    }));
    return taken;
  }

  // ---- smoke check ------------------------------------------------------------------------------------------

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(3)).build();

  /**
   * Logs in on a serve node, creates a property, sends hits through every collecting ingest node, then waits
   * until QuestDB holds them all and a real-time report of the serve node counts their users.
   */
  private void smoke(List<ComposeNodes.Node> nodes, QuestDbServer questdb, String adminPassword) throws Exception {
    Instant start = Instant.now();
    int serve = -1;
    List<Integer> collectors = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).serves() && serve < 0) {
        serve = i;
      }
      if (nodes.get(i).ingest() && nodes.get(i).collects()) {
        collectors.add(i);
      }
    }
    if (serve < 0 || collectors.isEmpty()) {
      throw new IllegalStateException("compose has no serve node or no ingest node with a collector");
    }
    String api = "http://127.0.0.1:" + (QUERY_PORT + serve);
    HttpClient session = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(3)).build();
    String login = send(session, HttpRequest.newBuilder(URI.create(api + "/api/v1/login"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + ADMIN_EMAIL + "\",\"password\":\"" + adminPassword
            + "\"}")), 200);
    String csrf = field(login, "csrfToken");
    String runId = Long.toString(System.currentTimeMillis(), 36);
    String property = send(session, HttpRequest.newBuilder(URI.create(api + "/api/v1/admin/properties"))
        .header("Content-Type", "application/json").header("X-CSRF-Token", csrf)
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"rehearsal-" + runId + "\",\"timeZone\":\"Etc/UTC\"}")), 201);
    String propertyId = field(property, "propertyId");
    say("smoke: property %s created on %s", propertyId, nodes.get(serve).service());

    int hits = 10 * collectors.size();
    int accepted = 0;
    for (int n = 0; n < hits; n++) {
      int node = collectors.get(n % collectors.size());
      String query = "v=2&tid=" + propertyId + "&cid=" + runId + "." + (n % 5) + "&sid=" + runId + (n % 5)
          + "&en=page_view&_rid=" + runId + "-" + n
          + "&dl=" + URLEncoder.encode("https://rehearsal.example/page/" + (n % 3), StandardCharsets.UTF_8) + "&dt=Rehearsal";
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (COLLECTOR_PORT + node)
              + "/g/collect?" + query)).timeout(Duration.ofSeconds(10))
          .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
          .header("Content-Type", "text/plain;charset=UTF-8").POST(HttpRequest.BodyPublishers.noBody()).build();
      // A collector learns a new property on its next refresh of the properties table: retry until it knows it.
      Instant deadline = Instant.now().plusSeconds(90);
      while (true) {
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 == 2) {
          accepted++;
          break;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("collector of " + nodes.get(node).service() + " answered " + r.statusCode()
              + ": " + r.body());
        }
        Thread.sleep(1000);
      }
    }
    say("smoke: %d hits accepted by %s in %.1f s", accepted, String.join(" and ",
        collectors.stream().map(i -> nodes.get(i).service()).toList()), seconds(start));

    String sql = "select count() from hits where property_id = '" + propertyId + "'";
    long rows = awaitValue(Duration.ofSeconds(90), () -> questdbCount(questdb, sql), hits);
    say("smoke: QuestDB holds %d of %d hits after %.1f s", rows, hits, seconds(start));

    HttpRequest report = HttpRequest.newBuilder(URI.create(api + "/api/v1/properties/" + propertyId + ":runRealtimeReport"))
        .header("Content-Type", "application/json").header("X-CSRF-Token", csrf).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"metrics\":[{\"name\":\"activeUsers\"}]}")).build();
    long users = awaitValue(Duration.ofSeconds(60), () -> {
      HttpResponse<String> r = session.send(report, HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"?(\\d+)").matcher(r.body());
      return r.statusCode() == 200 && m.find() ? Long.parseLong(m.group(1)) : -1;
    }, 5);
    say("smoke: real-time report on %s: activeUsers = %d (5 clients sent) after %.1f s", nodes.get(serve).service(),
        users, seconds(start));
  }

  private static long questdbCount(QuestDbServer questdb, String sql) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(questdb.httpUrl() + "/exec?query="
          + URLEncoder.encode(sql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("\"dataset\"\\s*:\\s*\\[\\[(\\d+)").matcher(r.body());
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private interface Value {
    long get() throws Exception;
  }

  /** Polls until the value reaches {@code want}; fails with the last value after {@code timeout}. */
  private static long awaitValue(Duration timeout, Value value, long want) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    long last = -1;
    while (Instant.now().isBefore(deadline)) {
      last = value.get();
      if (last >= want) {
        return last;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("expected " + want + ", last seen " + last + " after " + timeout.toSeconds() + " s");
  }

  private static String send(HttpClient client, HttpRequest.Builder request, int status) throws Exception {
    HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != status) {
      throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode()
          + ": " + r.body());
    }
    return r.body();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }

  // ---- summary ----------------------------------------------------------------------------------------------

  private void summary() {
    say("summary (%.1f s since start):", seconds(begin));
    long total = 0;
    List<ServerProcess> processes;
    synchronized (all) {
      processes = List.copyOf(all);
    }
    for (ServerProcess p : processes) {
      long rss = rssKb(p.pid());
      total += Math.max(rss, 0);
      Duration ready = readyAt.get(p.name());
      say("  %-12s pid %-7d ready %6s  RSS %5s MB", p.name(), p.pid(),
          ready == null ? "-" : String.format("%.1f s", ready.toMillis() / 1000.0),
          rss < 0 ? "?" : Long.toString(rss / 1024));
    }
    say("  total RSS %d MB; Beacon node restarts during the start: %d", total / 1024, restarts.get());
  }

  /** VmRSS of a process in kB (Linux /proc), -1 if unknown. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return -1;
  }

  private static double seconds(Instant since) {
    return Duration.between(since, Instant.now()).toMillis() / 1000.0;
  }

  private void say(String format, Object... args) {
    System.out.printf("[rehearse %6.1fs] %s%n", seconds(begin), String.format(format, args));
  }
}
