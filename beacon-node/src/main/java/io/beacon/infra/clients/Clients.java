package io.beacon.infra.clients;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import io.beacon.store.cassandra.ContactPoints;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.CassandraClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The node's clients to its stores, created lazily and shared by every verticle instance on the
 * node (the Cassandra session, the QuestDB pool and the Kafka admin are all thread-safe and
 * non-blocking). Closed once when the node stops.
 *
 * <p>Cassandra is set up here only: {@link #cqlSessionBuilder} is the one builder of the node's driver
 * sessions. They are two, because their callers differ: the Vert.x client ({@link #cassandra()}) for verticles,
 * and a plain blocking driver session ({@link #cassandraSession()}) for Ignite's cache stores, which Ignite
 * calls on their own threads and which must block (vertx-cassandra-client 5.0.7 neither takes an existing session
 * nor lends its own, and it delivers results on a Vert.x context, which a blocked caller may itself hold).
 */
public final class Clients implements AutoCloseable {
  private final Vertx vertx;
  private final BeaconConfig config;
  private CassandraClient cassandra;
  private final Object cassandraSessionLock = new Object();
  private volatile CqlSession cassandraSession;
  private volatile boolean closed;
  private Pool questdb;
  private Admin kafkaAdmin;

  public Clients(Vertx vertx, BeaconConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** Cassandra session bound to Beacon's keyspace (which must exist: see the schema step). */
  public synchronized CassandraClient cassandra() {
    if (cassandra == null) {
      cassandra = CassandraClient.createShared(vertx, "beacon-cassandra",
          cassandraOptions(config.cassandra(), true));
    }
    return cassandra;
  }

  /**
   * The blocking driver session of code that runs outside Vert.x (Ignite's cache stores, see
   * {@link CassandraCacheStore}), bound to Beacon's keyspace; opened on first use, closed with the others.
   * Opening it waits for Cassandra (the driver retries until it answers), so it holds its own lock, never this
   * object's: verticles asking for the other clients meanwhile are not held up.
   *
   * @throws IllegalStateException once the clients are closed (a store called while Ignite stops)
   */
  public CqlSession cassandraSession() {
    CqlSession open = cassandraSession;
    if (open != null) {
      return open;
    }
    synchronized (cassandraSessionLock) {
      open = cassandraSession;
      if (open == null) {
        if (closed) {
          throw new IllegalStateException("the node's store clients are closed");
        }
        open = cqlSessionBuilder(config.cassandra(), true).build();
        synchronized (this) {
          if (closed) { // closed while it was connecting
            open.closeAsync();
            throw new IllegalStateException("the node's store clients are closed");
          }
          cassandraSession = open;
        }
      }
      return open;
    }
  }

  /** Builds client options; {@code withKeyspace=false} for schema work before the keyspace exists. */
  public static CassandraClientOptions cassandraOptions(CassandraConfig c, boolean withKeyspace) {
    return new CassandraClientOptions(cqlSessionBuilder(c, withKeyspace));
  }

  /** The node's driver session options: timeouts, contact points, credentials and (optionally) the keyspace. */
  public static CqlSessionBuilder cqlSessionBuilder(CassandraConfig c, boolean withKeyspace) {
    CqlSessionBuilder builder = CqlSession.builder()
        .withLocalDatacenter(c.localDatacenter())
        .withConfigLoader(driverConfig(c))
        .addContactPoints(ContactPoints.parse(c.contactPoints()));
    if (c.username() != null && !c.username().isBlank()) {
      builder.withAuthCredentials(c.username(), c.password());
    }
    if (withKeyspace) {
      builder.withKeyspace(c.keyspace());
    }
    return builder;
  }

  /**
   * The driver's options. Reads and writes are LOCAL_QUORUM (lightweight transactions LOCAL_SERIAL): with the
   * driver's default LOCAL_ONE, a read right after a write may go to a replica the write has not reached yet. With
   * RF 3 that made a property just created answer 404 on the node that created it (its read-back hit another
   * replica); a quorum of 2 out of 3 reads what a quorum wrote, and still answers with one node down. With RF 1
   * (one Cassandra node) a quorum is that node.
   */
  static DriverConfigLoader driverConfig(CassandraConfig c) {
    return DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofMillis(c.requestTimeoutMs()))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofMillis(c.requestTimeoutMs()))
        .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, true)
        .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
        .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "LOCAL_SERIAL")
        .build();
  }

  /** Pool over QuestDB's PostgreSQL wire protocol, for reads and DDL. */
  public synchronized Pool questdb() {
    if (questdb == null) {
      BeaconConfig.QuestDbConfig q = config.questdb();
      questdb = PgBuilder.pool()
          .connectingTo(new PgConnectOptions()
              .setHost(q.pgHost()).setPort(q.pgPort())
              .setDatabase(q.database()).setUser(q.user()).setPassword(q.password()))
          .with(new NetClientOptions().setConnectTimeout(5_000))
          .with(new PoolOptions().setMaxSize(4).setShared(true).setName("beacon-questdb")
              .setConnectionTimeout(10).setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS))
          .using(vertx)
          .build();
    }
    return questdb;
  }

  /** Kafka admin client; its calls complete on Kafka's own thread, never blocking an event loop. */
  public synchronized Admin kafkaAdmin() {
    if (kafkaAdmin == null) {
      Map<String, Object> props = new HashMap<>(config.kafka().clientProps());
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
      props.put(AdminClientConfig.CLIENT_ID_CONFIG, "beacon-admin");
      kafkaAdmin = Admin.create(props);
    }
    return kafkaAdmin;
  }

  /** Adapts a Kafka future to a Vert.x future completing on the caller's context. */
  public <T> Future<T> fromKafka(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }

  /** Closes every client that was opened; the Vert.x instance must still be running. */
  public synchronized Future<Void> closeAsync() {
    closed = true;
    List<Future<?>> closing = new ArrayList<>();
    if (kafkaAdmin != null) {
      Admin admin = kafkaAdmin;
      closing.add(vertx.executeBlocking(() -> {
        admin.close(Duration.ofSeconds(2));
        return null;
      }));
    }
    if (cassandra != null) {
      closing.add(cassandra.close());
    }
    if (cassandraSession != null) {
      closing.add(Future.fromCompletionStage(cassandraSession.closeAsync()));
    }
    if (questdb != null) {
      closing.add(questdb.close());
    }
    kafkaAdmin = null;
    cassandra = null;
    cassandraSession = null;
    questdb = null;
    return Future.join(closing).mapEmpty();
  }

  @Override
  public void close() {
    closeAsync();
  }
}
