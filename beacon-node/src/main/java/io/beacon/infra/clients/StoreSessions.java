package io.beacon.infra.clients;

import com.datastax.oss.driver.api.core.CqlSession;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The blocking DataStax sessions of the caches' stores: Ignite creates and calls {@code CacheStore}s on its own
 * threads, outside Vert.x, so they get a plain driver session, one per JVM and Cassandra config, opened on first
 * use and closed with the node.
 */
public final class StoreSessions {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Map<CassandraConfig, CqlSession> SESSIONS = new ConcurrentHashMap<>();

  private StoreSessions() {}

  public static CqlSession of(CassandraConfig config) {
    return SESSIONS.computeIfAbsent(config, c -> Clients.cassandraOptions(c, true).dataStaxClusterBuilder().build());
  }

  /**
   * The config as a JSON string: the stores' factories travel through Ignite's marshaller, which does not
   * round-trip records, so they carry this instead.
   */
  public static String encode(CassandraConfig c) {
    try {
      return JSON.writeValueAsString(c);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static CassandraConfig decode(String json) {
    try {
      return JSON.readValue(json, CassandraConfig.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static void closeAll() {
    SESSIONS.values().removeIf(s -> {
      s.close();
      return true;
    });
  }
}
