package io.beacon.bridge;

import static io.beacon.bridge.BridgeTesting.count;
import static io.beacon.bridge.BridgeTesting.fullHit;
import static io.beacon.bridge.BridgeTesting.join;
import static io.beacon.bridge.BridgeTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node's /ready follows its bridge consumers: a raw consumer that cannot get its hits written for
 * longer than {@code bridge.rawWriteStalledMs} makes it 503 with the reason, while QuestDB itself still
 * answers queries (here the cluster-wide write gate is held shut, as a stuck erasure would); once writes
 * go through again it is ready again and nothing was lost.
 */
@ExtendWith(RealStack.class)
class BridgeReadinessTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static HttpResponse<String> ready(BeaconNode node) throws Exception {
    int port = node.context().config().http().management().port();
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String status(HttpResponse<String> ready, String check) {
    JsonArray checks = new JsonObject(ready.body()).getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if (check.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i).getString("status");
      }
    }
    return null;
  }

  @Test
  void aRawConsumerThatCannotWriteMakesTheNodeNotReadyWithTheReason(LocalStack stack) throws Exception {
    BeaconNode node = BridgeTesting.startBridgeNode(stack, "bridge-ready", Map.of(
        "BEACON_BRIDGE_RAW_WRITE_STALLED_MS", "2000"));
    IgniteWriteGate gate = new IgniteWriteGate(node.context().ignite());
    try (KafkaProducer<byte[], byte[]> producer = BridgeTesting.producer(stack)) {
      await("ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
          .until(() -> ready(node).statusCode() == 200);
      assertThat(status(ready(node), "bridge")).isEqualTo("UP");

      String property = BridgeTesting.propertyId();
      List<Hit> hits = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        hits.add(fullHit(property, i, System.currentTimeMillis() - i));
      }
      assertThat(gate.close()).isTrue();
      try {
        produce(producer, hits);
        await("not ready, with the reason").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .untilAsserted(() -> {
              HttpResponse<String> r = ready(node);
              assertThat(r.statusCode()).isEqualTo(503);
              assertThat(r.body()).contains("bridge consumers stalled").contains("raw writes paused");
            });
        // QuestDB itself answers: only the bridge check is down.
        assertThat(status(ready(node), "questdb")).isEqualTo("UP");
        assertThat(status(ready(node), "bridge")).isEqualTo("DOWN");
      } finally {
        gate.open();
      }
      await("ready again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> ready(node).statusCode() == 200);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
          count(node, "SELECT count() FROM hits WHERE property_id = $1", property) == 50L);
    } finally {
      join(node.close());
    }
  }
}
