package io.beacon.infra.schema;

import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig.KafkaConfig;
import io.beacon.infra.config.BeaconConfig.TopicConfig;
import io.beacon.store.topic.Topics;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Beacon's Kafka topics, or brings existing ones to the configured partition count (only
 * ever up: Kafka cannot shrink a topic) and retention. A second run with the same config changes
 * nothing.
 *
 * <p>The hits topic has {@code message.timestamp.type=LogAppendTime} (set on an existing topic too):
 * a record's timestamp is the broker's clock when it appended the record, not the producing
 * collector's. The Spark job de-duplicates retries by that time (a watermark on it, see the job's
 * {@code Dedup}), and the real-time rebuild seeks by it ({@code offsetsForTimes}), so both want one
 * clock that only moves forward per partition rather than the collectors' clocks.
 */
public final class KafkaTopics {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

  private static final String RETENTION_MS = org.apache.kafka.common.config.TopicConfig.RETENTION_MS_CONFIG;
  private static final String MIN_ISR = org.apache.kafka.common.config.TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG;
  private static final String TIMESTAMP_TYPE =
      org.apache.kafka.common.config.TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG;
  /** Broker time for the hits topic (see the class comment). */
  static final String HITS_TIMESTAMP_TYPE = "LogAppendTime";

  private KafkaTopics() {}

  public static Map<String, TopicConfig> wanted(KafkaConfig k) {
    Map<String, TopicConfig> m = new LinkedHashMap<>();
    m.put(Topics.HITS, k.hits());
    m.put(Topics.DEAD_LETTER, k.deadLetter());
    m.put(Topics.DIRTY_BUCKETS, k.dirtyBuckets());
    return m;
  }

  public static Future<Void> apply(Clients clients, KafkaConfig k) {
    Admin admin = clients.kafkaAdmin();
    Map<String, TopicConfig> wanted = wanted(k);
    return clients.fromKafka(admin.listTopics().names().toCompletionStage())
        .compose(existing -> {
          List<NewTopic> create = new ArrayList<>();
          wanted.forEach((name, t) -> {
            if (!existing.contains(name)) {
              Map<String, String> configs = new LinkedHashMap<>();
              configs.put(RETENTION_MS, Long.toString(t.retentionMs()));
              configs.put(MIN_ISR, Integer.toString(Math.min(2, k.replicationFactor())));
              if (name.equals(Topics.HITS)) {
                configs.put(TIMESTAMP_TYPE, HITS_TIMESTAMP_TYPE);
              }
              create.add(new NewTopic(name, t.partitions(), (short) k.replicationFactor()).configs(configs));
            }
          });
          Set<String> old = Set.copyOf(existing);
          List<String> toCheck = wanted.keySet().stream().filter(old::contains).toList();
          if (create.isEmpty()) {
            return toCheck.isEmpty() ? Future.succeededFuture() : reconcile(clients, admin, toCheck, wanted);
          }
          return clients.fromKafka(admin.createTopics(create).all().toCompletionStage())
              .onSuccess(v -> LOG.info("Created Kafka topics {}", create.stream().map(NewTopic::name).toList()))
              .compose(v -> toCheck.isEmpty() ? Future.succeededFuture() : reconcile(clients, admin, toCheck, wanted),
                  e -> {
                    // Nodes starting together race to create the topics: the loser finds them made by another
                    // node, and checks them all as existing ones (partitions, configs) instead of failing to start.
                    if (!(rootCause(e) instanceof TopicExistsException)) {
                      return Future.failedFuture(e);
                    }
                    LOG.info("Kafka topics {} were created meanwhile by another node", create.stream().map(NewTopic::name).toList());
                    return reconcile(clients, admin, wanted.keySet(), wanted);
                  });
        });
  }

  private static Throwable rootCause(Throwable e) {
    Throwable c = e;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static Future<Void> reconcile(Clients clients, Admin admin, Collection<String> names,
      Map<String, TopicConfig> wanted) {
    return clients.fromKafka(admin.describeTopics(names).allTopicNames().toCompletionStage())
        .compose(descriptions -> {
          Map<String, NewPartitions> grow = new LinkedHashMap<>();
          for (TopicDescription d : descriptions.values()) {
            int want = wanted.get(d.name()).partitions();
            int have = d.partitions().size();
            if (have < want) {
              grow.put(d.name(), NewPartitions.increaseTo(want));
            } else if (have > want) {
              LOG.warn("Kafka topic {} has {} partitions, config asks {}: Kafka cannot shrink a topic, keeping {}",
                  d.name(), have, want, have);
            }
          }
          Future<Void> grown = grow.isEmpty() ? Future.succeededFuture()
              : clients.fromKafka(admin.createPartitions(grow).all().toCompletionStage())
                  .onSuccess(v -> LOG.info("Grew Kafka topics {}", grow.keySet()));
          Map<ConfigResource, Collection<AlterConfigOp>> alter = new LinkedHashMap<>();
          for (String name : names) {
            List<AlterConfigOp> ops = new ArrayList<>();
            ops.add(new AlterConfigOp(new ConfigEntry(RETENTION_MS, Long.toString(wanted.get(name).retentionMs())),
                AlterConfigOp.OpType.SET));
            if (name.equals(Topics.HITS)) {
              // A topic made before this setting: records from now on carry broker time (older ones keep
              // theirs, which the Spark job's de-duplication tolerates, see its Dedup).
              ops.add(new AlterConfigOp(new ConfigEntry(TIMESTAMP_TYPE, HITS_TIMESTAMP_TYPE),
                  AlterConfigOp.OpType.SET));
            }
            alter.put(new ConfigResource(ConfigResource.Type.TOPIC, name), ops);
          }
          // Setting a config to its current value is a no-op for the broker, so this stays idempotent.
          return grown.compose(v -> clients.fromKafka(admin.incrementalAlterConfigs(alter).all().toCompletionStage()));
        });
  }
}
