package io.beacon.infra.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.devstack.LocalStack;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.Store;
import io.beacon.store.topic.Topics;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Creating the schema twice leaves every store exactly as the first run did. */
@ExtendWith(RealStack.class)
class SchemaIdempotenceTest {

  @Test
  void secondRunChangesNothing(LocalStack stack) throws Exception {
    // A keyspace of its own, so this test sees only what the schema step made.
    BeaconConfig config = TestConfigs.forStack(stack, Map.of("BEACON_CASSANDRA_KEYSPACE", "beacon_schema_it",
        "BEACON_KAFKA_HITS_PARTITIONS", "3"));
    Vertx vertx = Vertx.vertx();
    try (Clients clients = new Clients(vertx, config)) {
      await(SchemaManager.apply(vertx, clients, config, EnumSet.allOf(Store.class)));
      Map<String, Object> first = snapshot(vertx, clients, config);
      await(SchemaManager.apply(vertx, clients, config, EnumSet.allOf(Store.class)));
      Map<String, Object> second = snapshot(vertx, clients, config);

      assertThat(second).isEqualTo(first);
      // The hits topic is shared by the whole test run and never shrinks: at least what was asked.
      assertThat((Integer) first.get("kafka." + Topics.HITS + ".partitions")).isGreaterThanOrEqualTo(3);
      assertThat(first.get("kafka." + Topics.HITS + ".retention.ms")).isEqualTo("604800000");
      // Broker time on the hits topic, also when an earlier test made it first (the step alters it).
      assertThat(first.get("kafka." + Topics.HITS + ".message.timestamp.type")).isEqualTo("LogAppendTime");
      assertThat(strings(first.get("cassandra.columns"))).contains("properties.api_secret:text");
      assertThat(strings(first.get("questdb.columns"))).contains("request_id:VARCHAR", "ts:TIMESTAMP");
      assertThat(first.get("questdb.dedup")).isEqualTo(List.of("client_id", "property_id", "request_id", "ts"));

      // Growing partitions by config is a migration too (on the dirty-bucket topic, which no test reads by partition).
      int dirty = (Integer) first.get("kafka." + Topics.DIRTY_BUCKETS + ".partitions");
      BeaconConfig grown = TestConfigs.forStack(stack, Map.of("BEACON_CASSANDRA_KEYSPACE", "beacon_schema_it",
          "BEACON_KAFKA_HITS_PARTITIONS", "3", "BEACON_KAFKA_DIRTY_BUCKETS_PARTITIONS", Integer.toString(dirty + 1)));
      await(KafkaTopics.apply(clients, grown.kafka()));
      assertThat(snapshot(vertx, clients, grown).get("kafka." + Topics.DIRTY_BUCKETS + ".partitions")).isEqualTo(dirty + 1);
    } finally {
      await(vertx.close());
    }
  }

  private static Map<String, Object> snapshot(Vertx vertx, Clients clients, BeaconConfig config) throws Exception {
    Map<String, Object> s = new TreeMap<>();
    var admin = clients.kafkaAdmin();
    var topics = admin.describeTopics(KafkaTopics.wanted(config.kafka()).keySet()).allTopicNames().get(30, TimeUnit.SECONDS);
    List<ConfigResource> resources = new ArrayList<>();
    topics.forEach((name, d) -> {
      s.put("kafka." + name + ".partitions", d.partitions().size());
      resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
    });
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    configs.forEach((r, c) -> {
      s.put("kafka." + r.name() + ".retention.ms", c.get("retention.ms").value());
      s.put("kafka." + r.name() + ".message.timestamp.type", c.get("message.timestamp.type").value());
    });

    CassandraClient cql = CassandraClient.create(vertx, Clients.cassandraOptions(config.cassandra(), false));
    try {
      List<String> columns = new ArrayList<>();
      await(cql.executeWithFullFetch("SELECT table_name, column_name, type FROM system_schema.columns WHERE keyspace_name = '"
          + config.cassandra().keyspace() + "'"))
          .forEach(r -> columns.add(r.getString("table_name") + "." + r.getString("column_name") + ":" + r.getString("type")));
      columns.sort(String::compareTo);
      s.put("cassandra.columns", columns);
      s.put("cassandra.replication", await(cql.executeWithFullFetch(
          "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = '" + config.cassandra().keyspace() + "'"))
          .get(0).getMap("replication", String.class, String.class).toString());
    } finally {
      await(cql.close());
    }

    List<String> qcols = new ArrayList<>();
    List<String> dedup = new ArrayList<>();
    await(clients.questdb().query("SELECT \"column\", type, upsertKey FROM table_columns('hits')").execute())
        .forEach(r -> {
          qcols.add(r.getString(0) + ":" + r.getString(1));
          if (Boolean.TRUE.equals(r.getBoolean(2))) {
            dedup.add(r.getString(0));
          }
        });
    qcols.sort(String::compareTo);
    dedup.sort(String::compareTo);
    s.put("questdb.columns", qcols);
    s.put("questdb.dedup", dedup);
    return s;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object o) {
    return (List<String>) o;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
