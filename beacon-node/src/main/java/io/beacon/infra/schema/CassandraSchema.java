package io.beacon.infra.schema;

import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates or migrates Beacon's keyspace and tables from {@code schema/cassandra.cql}, idempotently. */
public final class CassandraSchema {
  private static final Logger LOG = LoggerFactory.getLogger(CassandraSchema.class);
  static final String SCRIPT = "schema/cassandra.cql";

  private CassandraSchema() {}

  public static List<String> statements(CassandraConfig c) {
    return SqlScript.statements(SCRIPT, Map.of(
        "keyspace", c.keyspace(),
        "replication", Integer.toString(c.replicationFactor())));
  }

  /** Applies every statement in order on a session of its own (the keyspace may not exist yet). */
  public static Future<Void> apply(Vertx vertx, CassandraConfig c) {
    // Building the driver's config parses its reference.conf: seconds of work, never on an event loop.
    return vertx.executeBlocking(() -> CassandraClient.create(vertx, Clients.cassandraOptions(c, false)), false)
        .compose(client -> apply(client, c).eventually(client::close));
  }

  private static Future<Void> apply(CassandraClient client, CassandraConfig c) {
    Future<Void> chain = Future.succeededFuture();
    for (String stmt : statements(c)) {
      chain = chain.compose(v -> client.execute(stmt).mapEmpty());
    }
    return chain
        .onSuccess(v -> LOG.info("Cassandra schema up to date (keyspace {})", c.keyspace()))
        .onFailure(e -> LOG.error("Cassandra schema migration failed (keyspace {}): {}", c.keyspace(), e.toString()));
  }
}
