package io.beacon.devstack;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.loadgen.GroundTruth;
import io.beacon.loadgen.PlannedRequest;
import io.beacon.loadgen.Sender;
import io.beacon.loadgen.TrafficPlan;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Faults under load through the VIP (issue 18, item 2): for each fault in turn, the load generator
 * ({@link Sender}, tracker hits, bots and duplicate requests included, retries as a browser's queue does) sends a
 * phase's hits to a property of their own through the balancers' ingest frontend; a few seconds in, one process
 * gets {@code kill -9}; the rehearsal measures the failover, restarts the process as compose's restart policy
 * would, and once the traffic is over checks the accounting identity of the phase:
 * <pre>acknowledged = distinct request ids in Kafka = QuestDB rows = Cassandra day totals (Spark) = runReport</pre>
 * (runReport counts humans only, so it is compared with the acknowledged humans), with no acknowledged id missing
 * from Kafka, no QuestDB row twice, and no client request given up.
 */
final class RehearsalFaults {

  /** Which faults: the suite's short list, or every fault the rehearsal knows. */
  enum Fault {
    KAFKA_CONTROLLER("kill -9 of the Kafka broker leading the KRaft quorum", true),
    INGEST_NODE("kill -9 of an ingest Beacon node", true),
    MASTER_HAPROXY("kill -9 of the HAProxy holding the VIP (the VIP moves)", true),
    CASSANDRA_NODE("kill -9 of a Cassandra node", false),
    SERVE_NODE("kill -9 of the serve Beacon node", false),
    SPARK_DRIVER("kill -9 of the Spark driver (the worker restarts it: --supervise)", false),
    SPARK_WORKER("kill -9 of a Spark worker", false),
    NODE_PARTITION("a network partition of an ingest Beacon node (every packet of its process dropped), then heal",
        false);

    final String what;
    final boolean shortList;

    Fault(String what, boolean shortList) {
      this.what = what;
      this.shortList = shortList;
    }

    /** {@code short}, {@code all}, fault names, or a comma-separated mix of them, in that order, each fault once. */
    static List<Fault> list(String names) {
      java.util.LinkedHashSet<Fault> out = new java.util.LinkedHashSet<>();
      for (String name : names.split(",")) {
        switch (name.strip()) {
          case "short" -> java.util.Arrays.stream(values()).filter(f -> f.shortList).forEach(out::add);
          case "all" -> out.addAll(List.of(values()));
          default -> {
            try {
              out.add(valueOf(name.strip().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("--faults: short, all or fault names (" + java.util.Arrays.toString(
                  values()) + "), not " + name);
            }
          }
        }
      }
      return List.copyOf(out);
    }
  }

  /** What the faults act on: the rehearsal's processes and addresses. */
  record Stack(List<KafkaServer> kafka, List<CassandraServer> cassandra, QuestDbServer questdb,
               List<BeaconNodeServer> nodes, List<ComposeNodes.Node> specs, Rehearsal.Edge edge, EdgeNetwork network,
               NodePartitions partitions, SparkCluster spark, String bootstrap, String contactPoints, String adminPassword,
               StoreAuth auth, Consumer<BeaconNodeServer> restartNode, Consumer<ServerProcess> restartServer,
               MailSink mail) {
  }

  /** One phase's figures. */
  record Result(Fault fault, String property, String victim, long sent, long acked, long ackedBots,
                long requests, long retries, List<String> failures, double failoverSeconds, String failoverWhat,
                double recoverySeconds, long kafkaRecords, long kafkaDistinct, long ackedMissingFromKafka,
                long questdbRows, long questdbDistinct, long cassandraEvents, long cassandraBots, long reportEvents,
                double settleSeconds, boolean identity, List<String> alertsMailed) {
    /** Acknowledged hits missing from the store that holds fewest (Cassandra only when Spark runs). */
    long lost() {
      long fewest = Math.min(kafkaDistinct, questdbDistinct);
      if (cassandraEvents >= 0) {
        fewest = Math.min(fewest, cassandraEvents + cassandraBots);
      }
      return Math.max(0, acked - fewest) + ackedMissingFromKafka;
    }

    /** Hits counted more than once: QuestDB rows repeating a request id, Cassandra counting above the acknowledged. */
    long duplicated() {
      return Math.max(0, questdbRows - questdbDistinct)
          + (cassandraEvents < 0 ? 0 : Math.max(0, cassandraEvents + cassandraBots - acked));
    }
  }

  private static final int RATE = 40;
  private static final int HITS_PER_PHASE = 1_000;
  private static final Duration FAULT_AFTER = Duration.ofSeconds(6);
  private static final Duration SETTLE = Duration.ofMinutes(4);
  /** How long a partition lasts: past Ignite's failure detection (10 s), so the others evict the node. */
  private static final Duration PARTITION_HOLD = Duration.ofSeconds(25);

  private final Stack s;
  private final Consumer<String> say;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(3)).build();
  private DashboardClient dashboard;
  private CqlSession cql;

  RehearsalFaults(Stack stack, Consumer<String> say) {
    this.s = stack;
    this.say = say;
  }

  /** Runs every fault of {@code faults} in turn; returns each phase's figures. */
  List<Result> run(List<Fault> faults) throws Exception {
    dashboard = DashboardClient.login(s.edge().dashboardUrl(), s.edge().certificate(), Rehearsal.ADMIN_EMAIL,
        s.adminPassword());
    String runId = Long.toString(System.currentTimeMillis(), 36);
    Map<Fault, String> properties = new LinkedHashMap<>();
    for (Fault f : faults) {
      properties.put(f, dashboard.createProperty("fault-" + f.name().toLowerCase() + "-" + runId));
    }
    awaitKnownByEveryCollector(dashboard.createProperty("fault-canary-" + runId));
    List<Result> results = new ArrayList<>();
    try {
      // LOCAL_QUORUM, as the job writes: a LOCAL_ONE read may go to a replica the totals have not reached yet.
      cql = s.spark() == null ? null : s.auth().cassandraAdmin(CqlSession.builder()).withLocalDatacenter("datacenter1")
          .withConfigLoader(com.datastax.oss.driver.api.core.config.DriverConfigLoader.programmaticBuilder()
              .withString(com.datastax.oss.driver.api.core.config.DefaultDriverOption.REQUEST_CONSISTENCY,
                  "LOCAL_QUORUM").build())
          .addContactPoints(s.specs().isEmpty() ? List.of() : java.util.Arrays.stream(s.contactPoints().split(","))
              .map(hp -> new InetSocketAddress(hp.substring(0, hp.lastIndexOf(':')),
                  Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1)))).toList()).build();
      for (Fault f : faults) {
        results.add(phase(f, properties.get(f)));
      }
    } finally {
      if (cql != null) {
        cql.close();
      }
    }
    return results;
  }

  /**
   * A collector learns a property on its next reload of the properties table: hits for a property created last
   * are accepted by every collector once that reload ran, and so are those of every property created before it.
   * The canary's hits go to each collector directly (not counted in any phase).
   */
  private void awaitKnownByEveryCollector(String canary) {
    Instant start = Instant.now();
    for (int i = 0; i < s.specs().size(); i++) {
      if (!s.specs().get(i).collects()) {
        continue;
      }
      String url = "http://" + Rehearsal.NODE_HOST + ":" + (Rehearsal.COLLECTOR_PORT + i) + "/g/collect?v=2&tid="
          + canary + "&cid=1.1&en=page_view&dl=https%3A%2F%2Fcanary.example%2F&_rid=canary-" + i;
      HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
          .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
          .POST(HttpRequest.BodyPublishers.noBody()).build();
      Awaitility.await("collector " + s.specs().get(i).service() + " knows the new properties")
          .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
          .until(() -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2);
    }
    say.accept(String.format("faults: every collector knows the phases' properties (%.1f s)", since(start)));
  }

  private Result phase(Fault fault, String property) throws Exception {
    say.accept("fault " + fault.name() + ": " + fault.what + "; traffic to property " + property + " through "
        + s.edge().ingestUrl());
    Map<TopicPartition, Long> startOffsets = endOffsets();
    TrafficPlan.Options options = new TrafficPlan.Options(fault.ordinal() + 1L, 50, 1.1, 0.05, 0.0, 0.03,
        Map.of(PlannedRequest.Protocol.TRACKER, 1.0), Set.of("sign_up"), false);
    TrafficPlan plan = new TrafficPlan(List.of(new TrafficPlan.Property(property, null, ZoneId.of("Etc/UTC"))), options);
    GroundTruth truth = new GroundTruth(Map.of(property, ZoneId.of("Etc/UTC")), false);
    Sender sender = new Sender(new Sender.Config(URI.create(s.edge().ingestUrl()), false, RATE, 8,
        Duration.ofMinutes(3)), Map.of(), truth);
    Instant trafficStart = Instant.now();
    CompletableFuture<Sender.Stats> sending = CompletableFuture.supplyAsync(() -> {
      try {
        return sender.send(plan.journeys(HITS_PER_PHASE));
      } catch (InterruptedException e) {
        throw new CompletionException(e);
      }
    });
    Awaitility.await().pollDelay(FAULT_AFTER).atMost(FAULT_AFTER.plusSeconds(1)).until(() -> true);
    Injected injected;
    try {
      injected = inject(fault);
    } catch (Exception e) {
      // The fault's own step failed (a failover not seen in time, a restart that did not come back): the phase is
      // reported broken, its traffic and accounting still measured, and the next fault still runs.
      say.accept("fault " + fault.name() + ": FAILED to inject or recover: " + e);
      injected = new Injected("(failed: " + e.getMessage() + ")", -1, "FAILED", -1);
    }
    say.accept(String.format("fault %s: %s killed; %s after %.1f s; back (restarted as compose would) after %.1f s",
        fault.name(), injected.victim, injected.failoverWhat, injected.failoverSeconds, injected.recoverySeconds));
    Sender.Stats stats = sending.get(10, TimeUnit.MINUTES);
    Instant trafficEnd = Instant.now();
    say.accept(String.format("fault %s: %d hits acknowledged (%d bots) in %.1f s, %d requests, %d retried, %d given up",
        fault.name(), stats.hits(), stats.bots(), Duration.between(trafficStart, trafficEnd).toMillis() / 1000.0,
        stats.requests(), stats.retries(), stats.failures().size()));

    long acked = stats.hits();
    long ackedHumans = stats.hits() - stats.bots();
    Counts[] last = new Counts[1];
    boolean identity;
    try {
      Awaitility.await("the identity of phase " + fault.name()).atMost(SETTLE).pollInterval(Duration.ofSeconds(2))
          .pollDelay(Duration.ZERO).ignoreExceptions().until(() -> {
            Counts c = measure(property, startOffsets);
            last[0] = c;
            return c.kafkaDistinct == acked && c.questdbRows == acked && c.questdbDistinct == acked
                && (cql == null || c.cassandraEvents + c.cassandraBots == acked && c.cassandraBots == stats.bots())
                && (cql == null || c.reportEvents == ackedHumans);
          });
      identity = true;
    } catch (ConditionTimeoutException e) {
      identity = false;
    }
    Counts c = last[0] != null ? last[0] : measure(property, startOffsets);
    double settle = Duration.between(trafficEnd, Instant.now()).toMillis() / 1000.0;
    Result r = new Result(fault, property, injected.victim, HITS_PER_PHASE, acked, stats.bots(), stats.requests(),
        stats.retries(), stats.failures(), injected.failoverSeconds, injected.failoverWhat, injected.recoverySeconds,
        c.kafkaRecords, c.kafkaDistinct, 0, c.questdbRows, c.questdbDistinct, c.cassandraEvents, c.cassandraBots,
        c.reportEvents, settle, identity && stats.failures().isEmpty() && injected.failoverSeconds() >= 0,
        alertsSince(trafficStart));
    say.accept(String.format("fault %s: acknowledged %d = Kafka %d distinct (%d records) = QuestDB %d rows (%d "
            + "distinct) = Cassandra %d+%d bots = runReport %d humans (of %d): %s, settled %.1f s after the traffic",
        fault.name(), acked, c.kafkaDistinct, c.kafkaRecords, c.questdbRows, c.questdbDistinct, c.cassandraEvents,
        c.cassandraBots, c.reportEvents, ackedHumans, r.identity() ? "HOLDS" : "BROKEN", settle));
    c.copiesThatDiffer().forEach(d -> say.accept("fault " + fault.name() + ": Kafka copies of one request differ: " + d));
    r.alertsMailed().forEach(a -> say.accept("fault " + fault.name() + ": alert mailed: " + a));
    return r;
  }

  /** The subjects (and recipients) of the alert mails Alertmanager sent since {@code since}. */
  private List<String> alertsSince(Instant since) {
    if (s.mail() == null) {
      return List.of();
    }
    return s.mail().mails().stream().filter(m -> !m.received().isBefore(since))
        .map(m -> m.subject() + " -> " + String.join(",", m.to())).toList();
  }

  private record Injected(String victim, double failoverSeconds, String failoverWhat, double recoverySeconds) {
  }

  private Injected inject(Fault fault) throws Exception {
    return switch (fault) {
      case KAFKA_CONTROLLER -> {
        int leader = quorumLeader();
        KafkaServer victim = s.kafka().get(leader - 1);
        Instant killed = kill(victim);
        Awaitility.await("a new KRaft quorum leader").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().until(() -> quorumLeaderVia(victim) != leader);
        double failover = since(killed);
        s.restartServer().accept(victim);
        yield new Injected(victim.name() + " (quorum leader)", failover, "new quorum leader", since(killed));
      }
      case CASSANDRA_NODE -> {
        CassandraServer victim = s.cassandra().get(1);
        Instant killed = kill(victim);
        s.restartServer().accept(victim);
        yield new Injected(victim.name(), 0, "no failover needed (RF 3, LOCAL_QUORUM)", since(killed));
      }
      case INGEST_NODE, SERVE_NODE -> {
        int index = indexOf(fault == Fault.INGEST_NODE ? ComposeNodes.Node::ingest : ComposeNodes.Node::serves);
        BeaconNodeServer victim = s.nodes().get(index);
        Instant killed = kill(victim);
        String server = "collector-" + victim.name();
        Awaitility.await("HAProxy marks " + server + " DOWN").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> !serverUp(server));
        double failover = since(killed);
        s.restartNode().accept(victim);
        Awaitility.await("HAProxy marks " + server + " UP again").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> serverUp(server));
        yield new Injected(victim.name(), failover, "HAProxy took it out of the collector backend", since(killed));
      }
      case MASTER_HAPROXY -> {
        int holder = s.network().vipHolder();
        HaproxyServer victim = s.edge().haproxy().get(holder - 1);
        Instant killed = kill(victim);
        Awaitility.await("the VIP moves").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .ignoreExceptions().until(() -> {
              int now = s.network().vipHolder();
              return now > 0 && now != holder && vipAnswers();
            });
        double failover = since(killed);
        s.restartServer().accept(victim);
        // nopreempt: the VIP stays where it moved.
        yield new Injected(victim.name() + " (VIP holder)", failover, "VIP answered from lb" + s.network().vipHolder(),
            since(killed));
      }
      case SPARK_DRIVER -> {
        ProcessHandle driver = s.spark().driver().orElseThrow(() -> new IllegalStateException("no Spark driver"));
        Instant killed = Instant.now();
        driver.destroyForcibly();
        driver.onExit().get(30, TimeUnit.SECONDS);
        Awaitility.await("the worker restarts the driver and its query runs").atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofSeconds(1)).until(() -> s.spark().driver().map(d -> d.pid() != driver.pid())
                .orElse(false) && s.spark().jobActive());
        double back = since(killed);
        yield new Injected("spark driver (pid " + driver.pid() + ")", back, "supervised driver relaunched, query "
            + "running", back);
      }
      case NODE_PARTITION -> partition();
      case SPARK_WORKER -> {
        ServerProcess victim = s.spark().workers().get(s.spark().workers().size() - 1);
        Instant killed = kill(victim);
        s.restartServer().accept(victim);
        Awaitility.await("the job's query runs").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
            .until(() -> s.spark().driver().isPresent() && s.spark().jobActive());
        yield new Injected(victim.name(), 0, "tasks rerun on the other executor", since(killed));
      }
    };
  }

  /**
   * The last ingest node (the kill fault takes the first) is cut off for {@link #PARTITION_HOLD}: long enough for the
   * balancers to take it out and for the other nodes' Ignite to drop it from the topology. Healed, it either rejoins,
   * or, evicted meanwhile, finds itself segmented and exits (NodeRunner.EXIT_SEGMENTED), which compose's restart
   * policy answers with a restart: so does the rehearsal.
   */
  private Injected partition() throws Exception {
    if (s.partitions() == null) {
      throw new IllegalStateException("no partition fault on this machine (cgroup v2 and iptables needed)");
    }
    int index = -1;
    for (int i = 0; i < s.specs().size(); i++) {
      if (s.specs().get(i).ingest()) {
        index = i;
      }
    }
    BeaconNodeServer victim = s.nodes().get(index);
    String server = "collector-" + victim.name();
    Instant cut = Instant.now();
    s.partitions().partition(victim.name());
    Awaitility.await("HAProxy marks the partitioned " + server + " DOWN").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> !serverUp(server));
    double failover = since(cut);
    Duration left = PARTITION_HOLD.minus(Duration.between(cut, Instant.now()));
    if (left.toMillis() > 0) {
      Awaitility.await().pollDelay(left).atMost(left.plusSeconds(1)).until(() -> true);
    }
    s.partitions().heal(victim.name());
    Instant healed = Instant.now();
    // Back = UP again in the balancer; a node that exited (segmented) meanwhile is restarted first.
    Awaitility.await("the healed " + victim.name() + " UP again in HAProxy, or exited").atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> !victim.isAlive() || serverUp(server));
    String after = "rejoined without a restart";
    if (!victim.isAlive()) {
      after = "exited after the heal (" + victim.exitCode().map(c -> "exit " + c).orElse("?") + "), restarted";
      say.accept("fault NODE_PARTITION: " + victim.name() + " " + after + " as compose would");
      s.restartNode().accept(victim);
    }
    Awaitility.await("HAProxy marks " + server + " UP again").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> serverUp(server));
    return new Injected(victim.name() + " (cut off " + Math.round(Duration.between(cut, healed).toMillis() / 1000.0)
        + " s)", failover, "HAProxy took it out of the collector backend; healed: " + after, since(cut));
  }

  private int indexOf(java.util.function.Predicate<ComposeNodes.Node> role) {
    for (int i = 0; i < s.specs().size(); i++) {
      if (role.test(s.specs().get(i))) {
        return i;
      }
    }
    throw new IllegalStateException("no such node in compose");
  }

  private static Instant kill(ServerProcess victim) {
    Instant at = Instant.now();
    victim.kill();
    return at;
  }

  private static double since(Instant t) {
    return Duration.between(t, Instant.now()).toMillis() / 1000.0;
  }

  private boolean vipAnswers() {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(s.edge().haproxy().get(0).metricsUrl()
          .replace(EdgeNetwork.balancerAddress(1), EdgeNetwork.VIP))).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether the VIP holder's HAProxy has {@code server} UP in the collector backend. */
  private boolean serverUp(String server) throws IOException, InterruptedException {
    int holder = s.network().vipHolder();
    String body = http.send(HttpRequest.newBuilder(URI.create(s.edge().haproxy().get(Math.max(holder, 1) - 1)
        .metricsUrl())).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
    return body.contains("haproxy_server_status{proxy=\"collector\",server=\"" + server + "\",state=\"UP\"} 1");
  }

  private int quorumLeader() throws Exception {
    try (Admin admin = Admin.create(admin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap())))) {
      return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
    }
  }

  /** The quorum leader as the brokers other than {@code dead} see it. */
  private int quorumLeaderVia(KafkaServer dead) throws Exception {
    List<String> others = new ArrayList<>();
    for (KafkaServer k : s.kafka()) {
      if (k != dead) {
        others.add(k.clusterBootstrap().split(",")[s.kafka().indexOf(k)]);
      }
    }
    try (Admin admin = Admin.create(admin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", others),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000)))) {
      return admin.describeMetadataQuorum().quorumInfo().get(5, TimeUnit.SECONDS).leaderId();
    }
  }

  private Map<TopicPartition, Long> endOffsets() throws Exception {
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> parts = consumer.partitionsFor(Topics.HITS, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      return new HashMap<>(consumer.endOffsets(parts, Duration.ofSeconds(30)));
    }
  }

  private KafkaConsumer<String, byte[]> consumer() {
    return new KafkaConsumer<>(admin(Map.of("bootstrap.servers", s.bootstrap(), "enable.auto.commit", "false",
        "isolation.level", "read_committed")), new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** {@code props} as the rehearsal's Kafka super user (the brokers authenticate every client). */
  private Map<String, Object> admin(Map<String, Object> props) {
    Map<String, Object> all = new HashMap<>(props);
    all.putAll(s.auth().kafkaAdmin());
    return all;
  }

  /**
   * @param copiesThatDiffer request ids whose Kafka copies are not the same hit to the raw store's upsert key
   *     (client id, event time), with what differs: what the raw store would keep twice
   */
  private record Counts(long kafkaRecords, long kafkaDistinct, long questdbRows, long questdbDistinct,
                        long cassandraEvents, long cassandraBots, long reportEvents, List<String> copiesThatDiffer) {
  }

  private Counts measure(String property, Map<TopicPartition, Long> from) throws Exception {
    long records = 0;
    Set<String> ids = new HashSet<>();
    Map<String, Hit> firstCopy = new HashMap<>();
    List<String> differ = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      consumer.assign(from.keySet());
      from.forEach(consumer::seek);
      Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet(), Duration.ofSeconds(30));
      while (from.keySet().stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          Hit h = HitCodec.decode(r.value());
          if (property.equals(h.propertyId())) {
            records++;
            ids.add(h.requestId());
            Hit seen = firstCopy.putIfAbsent(h.requestId(), h);
            if (seen != null && (!java.util.Objects.equals(seen.clientId(), h.clientId()) || seen.ts() != h.ts())) {
              // Synthetic load-generator ids; the values of client ids stay out of the report all the same.
              differ.add(String.format("%s at %s offset %d: client id %s, event time %d vs %d ms, received %d vs %d ms",
                  h.requestId(), r.topic() + "-" + r.partition(), r.offset(),
                  java.util.Objects.equals(seen.clientId(), h.clientId()) ? "same" : "DIFFERS", seen.ts(), h.ts(),
                  seen.receivedAt(), h.receivedAt()));
            }
          }
        }
      }
    }
    long rows = Rehearsal.questdbCount(s.questdb(), "select count() from hits where property_id = '" + property + "'");
    long distinct = Rehearsal.questdbCount(s.questdb(),
        "select count_distinct(request_id) from hits where property_id = '" + property + "'");
    long events = -1;
    long bots = -1;
    if (cql != null) {
      events = 0;
      bots = 0;
      Set<String> months = new TreeSet<>();
      DateTimeFormatter month = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);
      months.add(month.format(Instant.now().minus(Duration.ofDays(1))));
      months.add(month.format(Instant.now()));
      for (String period : months) {
        for (Row r : cql.execute(cql.prepare("SELECT event_count, bot_hits FROM beacon.agg_buckets WHERE property_id = ?"
            + " AND granularity = 'day' AND period = ? AND dimension = '(total)'").bind(property, period))) {
          events += r.getLong("event_count");
          bots += r.getLong("bot_hits");
        }
      }
    }
    long report = dashboard.eventCount(property);
    return new Counts(records, ids.size(), rows, distinct, events, bots, report, differ);
  }

  /** The report: a table per fault, as docs/rehearsal.md shows it. */
  static String markdown(List<Result> results) {
    StringBuilder out = new StringBuilder("| fault | victim | acked (bots) | Kafka distinct (records) | QuestDB rows "
        + "(distinct) | Cassandra events+bots | runReport | lost | counted twice | client retries | given up | "
        + "failover | back after | settled after traffic | identity | alerts mailed |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      out.append(String.format("| %s | %s | %d (%d) | %d (%d) | %d (%d) | %s | %d | %d | %d | %d | %d | %.1f s (%s) | "
              + "%.1f s | %.1f s | %s | %s |%n", r.fault().name(), r.victim(), r.acked(), r.ackedBots(), r.kafkaDistinct(),
          r.kafkaRecords(), r.questdbRows(), r.questdbDistinct(),
          r.cassandraEvents() < 0 ? "-" : r.cassandraEvents() + "+" + r.cassandraBots(), r.reportEvents(), r.lost(),
          r.duplicated(), r.retries(), r.failures().size(), r.failoverSeconds(), r.failoverWhat(), r.recoverySeconds(),
          r.settleSeconds(), r.identity() ? "holds" : "BROKEN",
          r.alertsMailed().isEmpty() ? "none" : String.join("<br>", r.alertsMailed()).replace("|", "\\|")));
    }
    return out.toString();
  }

  static void write(Path file, List<Result> results, String summary) throws IOException {
    Files.writeString(file, "# Rehearsal faults " + Instant.now() + "\n\n" + markdown(results) + "\n" + summary + "\n");
  }
}
