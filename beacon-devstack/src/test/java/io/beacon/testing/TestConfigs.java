package io.beacon.testing;

import io.beacon.devstack.LocalStack;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;

/** A validated Beacon config pointing at the test run's real stack, as `beacon up` would build it. */
public final class TestConfigs {
  private TestConfigs() {}

  /**
   * Every test's traffic comes from 127.0.0.1, often to one property: the per-IP and per-property rate limits are off
   * unless a test sets them (CollectorIntegrationTest does); the per-client limit keeps its default. So is the report
   * quota per user (query.reportsPerMinute; AccessApiTest sets it): suites ask hundreds of reports a minute as one user.
   */
  public static final Map<String, String> NO_SHARED_RATE_LIMITS = Map.of(
      "BEACON_COLLECTOR_IP_HITS_PER_MINUTE", "0", "BEACON_COLLECTOR_PROPERTY_HITS_PER_MINUTE", "0",
      "BEACON_QUERY_REPORTS_PER_MINUTE", "0");

  public static BeaconConfig forStack(LocalStack stack, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
    env.put("BEACON_CASSANDRA_CONTACT_POINTS", stack.cassandraContactPoint());
    env.put("BEACON_QUESTDB_HTTP_URL", stack.questdbHttpUrl());
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(stack.questdbPgPort()));
    env.put("BEACON_KAFKA_HITS_PARTITIONS", "3"); // as NodeProcess: one count for the run's shared topic
    env.putAll(NO_SHARED_RATE_LIMITS);
    env.putAll(extraEnv);
    return ConfigLoader.load(null, env);
  }

  /**
   * The environment of an in-process node that runs only the collector role ({@code instances} of it) on
   * {@code collectorPort}, with free query and management ports and an Ignite cluster of its own (discovery and
   * communication ranges of {@code clusterPorts} ports), its Ignite work directory and spool under {@code work}.
   * Mutable: callers add their own settings.
   */
  public static Map<String, String> collectorNode(String name, int collectorPort, int instances, java.nio.file.Path work,
      int clusterPorts) {
    Map<String, String> env = new HashMap<>(ownCluster(work, clusterPorts));
    env.put("BEACON_NODE_NAME", name);
    env.put("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", Integer.toString(instances));
    env.put("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0");
    env.put("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0");
    env.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
    env.put("BEACON_HTTP_COLLECTOR_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_COLLECTOR_PORT", Integer.toString(collectorPort));
    env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(FreePorts.one()));
    env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(FreePorts.one()));
    env.put("BEACON_COLLECTOR_SPOOL_DIR", work.resolve("spool").toString());
    return env;
  }

  /**
   * An Ignite cluster of the node's own: free discovery and communication ranges of {@code clusterPorts} ports and
   * its work directory under {@code work}. Without it a node takes Ignite's default ports (47500...), as {@code bin/
   * beacon up} does, and joins whatever else on the machine runs with them (a benchmark's node joined a running
   * {@code up}, whose caches then read another keyspace).
   */
  public static Map<String, String> ownCluster(java.nio.file.Path work, int clusterPorts) {
    int disco = FreePorts.block(clusterPorts);
    int comm = FreePorts.block(clusterPorts);
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(disco));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT_RANGE", Integer.toString(clusterPorts));
    env.put("BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + disco + ".." + (disco + clusterPorts - 1));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(comm));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", Integer.toString(clusterPorts));
    env.put("BEACON_CLUSTER_WORK_DIR", work.resolve("ignite").toString());
    return env;
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
