package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.schema.CassandraSchema;
import io.beacon.model.Hit;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 of a collector whose acknowledged hits are only in its spool (Kafka down, weakest fsync
 * policy): the collector restarted under the same node name (so on the same spool) delivers every one
 * of them, in order.
 */
@ExtendWith(RealStack.class)
class CollectorCrashTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void acknowledgedHitsSurviveKillMinus9WhileKafkaIsDown(LocalStack stack) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6).toUpperCase();
    String property = "B-CRASH" + run;
    String cid = "crash-" + run;
    Vertx vertx = Vertx.vertx();
    Clients clients = new Clients(vertx, TestConfigs.forStack(stack, Map.of()));
    Path spool = Path.of("target", "collector-crash", run, "spool").toAbsolutePath();
    Map<String, String> env = Map.of(
        "BEACON_KAFKA_HITS_PARTITIONS", "3", // the suite shares one broker (see CollectorIntegrationTest)
        "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_COLLECTOR_SPOOL_DIR", spool.toString(),
        "BEACON_COLLECTOR_SPOOL_FSYNC", "never",
        "BEACON_COLLECTOR_KAFKA_ACK_TIMEOUT_MS", "500",
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500");
    List<String> acknowledged = new ArrayList<>();
    HitsReader reader = null;
    try {
      CollectorIntegrationTest.join(CassandraSchema.apply(vertx, TestConfigs.forStack(stack, Map.of()).cassandra()));
      var insert = CollectorIntegrationTest.join(clients.cassandra().prepare(
          "INSERT INTO properties (property_id, name, allowed_hostnames) VALUES (?, ?, ?)"));
      CollectorIntegrationTest.join(clients.cassandra().execute(insert.bind(property, "Crash", Set.of())));
      try (NodeProcess first = new NodeProcess("crash-" + run, stack, NodeProcess.Cluster.fresh(2, 3000), env)) {
        first.start().awaitReady(Duration.ofSeconds(120));
        reader = new HitsReader(stack.kafkaBootstrap()); // the node created the topic
        try {
          stack.kafka().stop();
          for (int i = 0; i < 20; i++) {
            String rid = cid + "-" + i;
            String url = "http://127.0.0.1:" + first.collectorPort + "/g/collect?v=2&tid=" + property + "&cid=" + cid
                + "&en=page_view&_rid=" + rid + "&dl=" + URLEncoder.encode("https://crash.example/" + i, StandardCharsets.UTF_8);
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as("hit %d", i).isEqualTo(204);
            acknowledged.add(rid);
          }
          first.kill();
        } finally {
          stack.kafka().restart();
        }
      }
      try (NodeProcess second = new NodeProcess("crash-" + run, stack, NodeProcess.Cluster.fresh(2, 3000), env)) {
        second.start().awaitReady(Duration.ofSeconds(120));
        HitsReader hits = reader;
        await("every acknowledged hit delivered by the restarted collector").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> firstOccurrences(hits, cid).size() >= acknowledged.size());
        assertThat(firstOccurrences(hits, cid)).containsExactlyElementsOf(acknowledged);
      }
    } finally {
      if (reader != null) {
        reader.close();
      }
      clients.close();
      CollectorIntegrationTest.join(vertx.close());
    }
  }

  private static List<String> firstOccurrences(HitsReader reader, String cid) {
    return reader.hits(h -> h.clientId().equals(cid)).stream().map(Hit::requestId).distinct().toList();
  }
}
