package io.beacon.recompute;

import io.beacon.infra.clients.PropertyLookup;
import io.beacon.store.topic.Topics;
import io.beacon.model.aggregation.DirtyBucket;
import io.beacon.model.aggregation.Lateness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the stream's dirty buckets ({@link Topics#DIRTY_BUCKETS}: days that received hits later than the stream
 * counts) into correction jobs of that day. A job waits until its day is closed to the stream (72 h after the
 * day's end), so the stream can no longer add a hit the recompute already counted. Offsets are committed only
 * after the jobs are stored; a replayed message creates the same job id, which is a no-op.
 */
final class LateHitJobs {
  private static final Logger LOG = LoggerFactory.getLogger(LateHitJobs.class);
  static final String GROUP = "beacon-recompute-dirty";
  // Kafka, the bridge's batch, and the stream's session settle (30 min by default) before its last write to a day.
  private static final Duration SETTLE = Duration.ofHours(1);

  private final Vertx vertx;
  private final Jobs jobs;
  private final PropertyLookup zones;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Runnable onNewJob;
  private volatile boolean running = true;

  LateHitJobs(Vertx vertx, Map<String, Object> connection, Jobs jobs, PropertyLookup zones, Runnable onNewJob) {
    this.vertx = vertx;
    this.jobs = jobs;
    this.zones = zones;
    this.onNewJob = onNewJob;
    Map<String, String> props = new LinkedHashMap<>();
    connection.forEach((k, v) -> props.put(k, String.valueOf(v)));
    props.put("group.id", GROUP);
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest");
    props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    props.put("client.id", "beacon-recompute-dirty");
    this.consumer = KafkaConsumer.create(vertx, props);
  }

  Future<Void> start() {
    return consumer.subscribe(Topics.DIRTY_BUCKETS).onSuccess(v -> loop());
  }

  Future<Void> stop() {
    running = false;
    return consumer.close();
  }

  private void loop() {
    if (!running) {
      return;
    }
    consumer.poll(Duration.ofSeconds(1))
        .compose(records -> records.isEmpty() ? Future.succeededFuture()
            : handle(records).compose(v -> consumer.commit()).onFailure(e -> rewind(records, e)))
        .onComplete(ar -> {
          if (ar.failed() && running) {
            vertx.setTimer(2_000, t -> loop());
          } else {
            loop();
          }
        });
  }

  private Future<Void> handle(KafkaConsumerRecords<String, byte[]> records) {
    List<Future<?>> created = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, byte[]> r = records.recordAt(i);
      DirtyBucket dirty;
      try {
        dirty = io.beacon.store.topic.DirtyBucketCodec.decode(r.value());
      } catch (IllegalArgumentException e) {
        LOG.warn("Skipping unreadable dirty bucket at {}-{} offset {}: {}", r.topic(), r.partition(), r.offset(),
            e.getMessage());
        continue;
      }
      created.add(zones.zoneOf(dirty.propertyId()).compose(zone -> {
        if (zone.isEmpty()) {
          LOG.warn("Dirty bucket of unknown property {} at offset {}: skipped", dirty.propertyId(), r.offset());
          return Future.succeededFuture();
        }
        ZoneId z = zone.get();
        LocalDate day = Instant.ofEpochMilli(dirty.bucketStart()).atZone(z).toLocalDate();
        Instant notBefore = day.plusDays(1).atStartOfDay(z).toInstant().plus(Lateness.MAX_LATENESS).plus(SETTLE);
        String id = "late-" + dirty.propertyId() + "-" + day + "-" + r.partition() + "-" + r.offset();
        return jobs.create(id, dirty.propertyId(), z, day, day, "late-hits", "stream", notBefore)
            .onSuccess(job -> LOG.info("Late hits ({}) of property {} on {}: recompute job {} (not before {})",
                dirty.hits(), dirty.propertyId(), day, id, notBefore));
      }));
    }
    return Future.all(created).onSuccess(v -> onNewJob.run()).mapEmpty();
  }

  /** Goes back to the first record of each partition of a batch that could not be stored, to retry it. */
  private void rewind(KafkaConsumerRecords<String, byte[]> records, Throwable cause) {
    LOG.warn("Storing recompute jobs for {} dirty buckets failed, retrying: {}", records.size(), cause.toString());
    Map<TopicPartition, Long> first = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, byte[]> r = records.recordAt(i);
      first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
    }
    first.forEach(consumer::seek);
  }
}
