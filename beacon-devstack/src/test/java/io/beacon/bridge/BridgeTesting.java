package io.beacon.bridge;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.testing.FreePorts;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Shared helpers of the bridge tests: an in-process node with only the bridge role, hits, Kafka and SQL. */
final class BridgeTesting {
  private BridgeTesting() {}

  /** A clustered node (Ignite in this JVM) running only the bridge role against the real stack. */
  static BeaconNode startBridgeNode(LocalStack stack, String name, Map<String, String> extra) throws Exception {
    return startBridgeNode(stack, name, extra, Ports.fresh());
  }

  /** Discovery and communication port blocks: nodes started with the same ports form one cluster. */
  record Ports(int disco, int comm) {
    static Ports fresh() {
      return new Ports(FreePorts.block(4), FreePorts.block(4));
    }
  }

  static BeaconNode startBridgeNode(LocalStack stack, String name, Map<String, String> extra, Ports ports)
      throws Exception {
    int disco = ports.disco();
    int comm = ports.comm();
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_NODE_NAME", name);
    env.put("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0");
    env.put("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0");
    env.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
    env.put("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1");
    env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(FreePorts.one()));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(disco));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT_RANGE", "4");
    env.put("BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + disco + ".." + (disco + 3));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(comm));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", "4");
    env.put("BEACON_CLUSTER_WORK_DIR", Path.of("target", "bridge-ignite", name).toAbsolutePath().toString());
    env.put("BEACON_BRIDGE_RETRY_MAX_BACKOFF_MS", "1000");
    // The partition count SchemaIdempotenceTest expects when it finds the topic already made; the
    // bridge reads the real count (which may be higher, Kafka never shrinks) from the topic.
    env.put("BEACON_KAFKA_HITS_PARTITIONS", "3");
    env.putAll(extra);
    return join(BeaconNode.start(TestConfigs.forStack(stack, env), () -> {}), 180);
  }

  static <T> T join(Future<T> f) throws Exception {
    return join(f, 60);
  }

  static <T> T join(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  static String propertyId() {
    return "B-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
  }

  /** A hit with every field set, including characters that line protocol must escape. */
  static Hit fullHit(String propertyId, int i, long ts) {
    Map<String, String> params = new HashMap<>();
    params.put("plan", "pro \"annual\"");
    params.put("n", Integer.toString(i));
    return Hit.builder()
        .propertyId(propertyId)
        .clientId("client-" + (i % 37))
        .userId("user " + i)
        .requestId("req-" + propertyId + "-" + i)
        .sessionId("sess-" + (i % 11))
        .sessionNumber(i % 5 + 1)
        .ts(ts)
        .receivedAt(ts + 150)
        .eventName(i % 3 == 0 ? "page_view" : "click,custom=x")
        .params(params)
        .engagementMs(1000L + i)
        .sessionEngaged(i % 2 == 0)
        .keyEvent(i % 7 == 0)
        .firstVisit(i % 13 == 0)
        .sessionStart(i % 11 == 0)
        .pageLocation("https://example.com/p/" + i + "?q=a b,c=d")
        .hostname("example.com")
        .pagePath("/p/" + i)
        .pageTitle("Title \"quoted\" with\nnewline, comma=equals\\backslash\ttab")
        .pageReferrer("https://ref.example/x")
        .source("google")
        .medium("organic")
        .campaign("spring sale")
        .term("t,e=r m")
        .content("c\\d")
        .deviceCategory(i % 2 == 0 ? "desktop" : "mobile")
        .browser("Fire fox,x=y\\z\nw")
        .browserVersion("120.0")
        .os("Linux,x86")
        .osVersion("6.1")
        .screenResolution("1920x1080")
        .language("de-DE")
        .country(i % 3 == 0 ? "DE" : "US")
        .region("Bayern")
        .city("München")
        .isBot(false)
        .protocol("ga4")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }

  static KafkaProducer<byte[], byte[]> producer(LocalStack stack) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p);
  }

  static void produce(KafkaProducer<byte[], byte[]> producer, List<Hit> hits) throws Exception {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (Hit h : hits) {
      sent.add(producer.send(new ProducerRecord<>(Topics.HITS, h.kafkaKey().getBytes(), HitCodec.encode(h))));
    }
    for (var f : sent) {
      f.get(30, TimeUnit.SECONDS);
    }
  }

  static RowSet<Row> sql(BeaconNode node, String sql, Object... args) throws Exception {
    return join(node.context().clients().questdb().preparedQuery(sql).execute(Tuple.from(args)));
  }

  static long count(BeaconNode node, String sql, Object... args) throws Exception {
    return sql(node, sql, args).iterator().next().getLong(0);
  }

  /** Every record currently in the dead-letter topic (read from the beginning by an assigned consumer). */
  static List<ConsumerRecord<byte[], byte[]>> deadLetters(LocalStack stack) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = c.partitionsFor(Topics.DEAD_LETTER).stream()
          .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
