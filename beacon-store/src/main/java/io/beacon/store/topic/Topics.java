package io.beacon.store.topic;

/** Kafka topic names, shared by the app and the Spark job. Partitions and retention come from config. */
public final class Topics {
  private Topics() {}

  /** Canonical hits, keyed by property id + client id so one client's hits stay ordered. */
  public static final String HITS = "beacon.hits";
  /** Records a consumer could not process, with the reason in a header. */
  public static final String DEAD_LETTER = "beacon.hits.dlq";
  /** Aggregate buckets the stream could not update in time (later than its watermark), for recompute. */
  public static final String DIRTY_BUCKETS = "beacon.buckets.dirty";
}
