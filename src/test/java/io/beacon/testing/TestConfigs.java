package io.beacon.testing;

import io.beacon.devstack.LocalStack;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;

/** A validated Beacon config pointing at the test run's real stack, as `beacon up` would build it. */
public final class TestConfigs {
  private TestConfigs() {}

  public static BeaconConfig forStack(LocalStack stack, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
    env.put("BEACON_CASSANDRA_CONTACT_POINTS", stack.cassandraContactPoint());
    env.put("BEACON_QUESTDB_HTTP_URL", stack.questdbHttpUrl());
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(stack.questdbPgPort()));
    env.put("BEACON_KAFKA_HITS_PARTITIONS", "3"); // as NodeProcess: one count for the run's shared topic
    env.putAll(extraEnv);
    return ConfigLoader.load(null, env);
  }

  /**
   * Creates Beacon's Cassandra tables in {@code keyspace} of the stack, as a node would (Cassandra only: the run's
   * shared Kafka topics belong to SchemaIdempotenceTest). For tests that run the Spark job in a keyspace of its own.
   */
  public static void applyCassandraSchema(LocalStack stack, String keyspace) throws Exception {
    io.beacon.infra.config.BeaconConfig config = forStack(stack, Map.of("BEACON_CASSANDRA_KEYSPACE", keyspace));
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (io.beacon.infra.clients.Clients clients = new io.beacon.infra.clients.Clients(vertx, config)) {
      io.beacon.infra.schema.SchemaManager.apply(vertx, clients, config,
              java.util.EnumSet.of(io.beacon.infra.config.Store.CASSANDRA))
          .toCompletionStage().toCompletableFuture().get(3, java.util.concurrent.TimeUnit.MINUTES);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
