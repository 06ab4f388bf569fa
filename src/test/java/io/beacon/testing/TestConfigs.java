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
}
