package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.beacon.store.cassandra.ContactPoints;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One Cassandra session and one Kafka producer per JVM (driver or executor), opened on first use and closed
 * by a shutdown hook: Spark tasks are short and many, clients are expensive.
 */
final class Clients {

  private static CqlSession session;
  private static KafkaProducer<String, byte[]> producer;

  private Clients() {
  }

  static synchronized CqlSession cassandra(JobConfig config) {
    if (session == null || session.isClosed()) {
      session = openCassandra(config, Duration.ofSeconds(30));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.close(), "beacon-cassandra-close"));
    }
    return session;
  }

  static CqlSession openCassandra(JobConfig config, Duration connectTimeout) {
    var builder = CqlSession.builder()
        .withLocalDatacenter(config.cassandraLocalDc)
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, connectTimeout)
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, connectTimeout)
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
            // Reconnect within seconds after a Cassandra restart (default backs off to 60 s).
            .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
            .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(5))
            // The job does not need the query-side's metadata of every keyspace.
            .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
            .build());
    // The session's options are the job's own (LOCAL_QUORUM, fast reconnects); its contact points are parsed as
    // the node's are.
    if (!config.cassandraUsername.isEmpty()) {
      builder.withAuthCredentials(config.cassandraUsername, config.cassandraPassword);
    }
    return builder.addContactPoints(ContactPoints.parse(config.cassandraContactPoints)).build();
  }

  static synchronized KafkaProducer<String, byte[]> producer(JobConfig config) {
    if (producer == null) {
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap);
      props.putAll(config.kafkaSecurity());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      props.put(ProducerConfig.CLIENT_ID_CONFIG, "beacon-spark-side-outputs");
      producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
      KafkaProducer<String, byte[]> p = producer;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> p.close(Duration.ofSeconds(5)), "beacon-kafka-close"));
    }
    return producer;
  }
}
