package io.beacon.infra.schema;

import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Brings every store this node depends on to the current schema; safe to run at every start, on every node. */
public final class SchemaManager {
  private SchemaManager() {}

  public static Future<Void> apply(Vertx vertx, Clients clients, BeaconConfig config, Set<Store> stores) {
    List<Future<?>> steps = new ArrayList<>();
    if (stores.contains(Store.KAFKA)) {
      // Creating Kafka's admin client loads and configures much of the client (seconds on a busy machine,
      // blocked-thread warnings at node start): on a worker, once; later calls reuse it.
      steps.add(vertx.executeBlocking(clients::kafkaAdmin, false)
          .compose(admin -> KafkaTopics.apply(clients, config.kafka())));
    }
    if (stores.contains(Store.CASSANDRA)) {
      steps.add(CassandraSchema.apply(vertx, config.cassandra()));
    }
    if (stores.contains(Store.QUESTDB)) {
      steps.add(QuestDbSchema.apply(clients.questdb()));
    }
    return Future.all(steps).mapEmpty();
  }
}
