package io.beacon.infra.schema;

import dev.failsafe.RetryPolicy;
import io.beacon.infra.Retries;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings every store this node depends on to the current schema; safe to run at every start, on every node, so a
 * step that failed on a slow or absent store ({@link StartFailures}) is run again with backoff for up to {@link
 * #RETRY_FOR}: a busy host or a cluster still forming must not cost a restart of the node (a new cluster join).
 */
public final class SchemaManager {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaManager.class);
  public static final Duration RETRY_FOR = Duration.ofMinutes(3);

  private SchemaManager() {}

  /** {@code step} again while it fails transiently, for {@link #RETRY_FOR} at most. */
  static Future<Void> retried(Vertx vertx, String store, Supplier<Future<?>> step) {
    RetryPolicy<Void> policy = Retries.<Void>backoffIf(Duration.ofSeconds(1), Duration.ofSeconds(15),
            StartFailures::isTransient)
        .withMaxRetries(-1).withMaxDuration(RETRY_FOR)
        .onRetry(e -> LOG.warn("{} schema step failed (attempt {}), trying again: {}", store, e.getAttemptCount(),
            e.getLastException() == null ? "" : e.getLastException().toString()))
        .build();
    return Retries.run(vertx, policy, () -> step.get().mapEmpty());
  }

  public static Future<Void> apply(Vertx vertx, Clients clients, BeaconConfig config, Set<Store> stores) {
    List<Future<?>> steps = new ArrayList<>();
    if (stores.contains(Store.KAFKA)) {
      // Creating Kafka's admin client loads and configures much of the client (seconds on a busy machine,
      // blocked-thread warnings at node start): on a worker, once; later calls reuse it.
      steps.add(retried(vertx, "Kafka", () -> vertx.executeBlocking(clients::kafkaAdmin, false)
          .compose(admin -> KafkaTopics.apply(clients, config.kafka()))));
    }
    if (stores.contains(Store.CASSANDRA)) {
      steps.add(retried(vertx, "Cassandra", () -> CassandraSchema.apply(vertx, config.cassandra())));
    }
    if (stores.contains(Store.QUESTDB)) {
      steps.add(retried(vertx, "QuestDB", () -> QuestDbSchema.apply(clients.questdb())));
    }
    return Future.all(steps).mapEmpty();
  }
}
