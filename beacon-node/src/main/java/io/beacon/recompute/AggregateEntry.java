package io.beacon.recompute;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import java.io.Serializable;

/**
 * One recomputed aggregate row ({@code agg_buckets}) as held by the write-through cache: a plain class with the
 * row's columns, since Ignite 2.17 does not round-trip records. Keys are {@link #key(BucketKey)} strings.
 */
public final class AggregateEntry implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final char SEP = '\u0001';

  public long screenPageViews;
  public long eventCount;
  public long keyEvents;
  public long engagementMs;
  public long newUsers;
  public long botHits;
  public byte[] usersHll;
  public byte[] sessionsHll;
  public byte[] engagedSessionsHll;
  /** which job wrote it, for the row's writer fence ({@code writer_id}) */
  public String writer;

  public AggregateEntry() {}

  static AggregateEntry of(MetricState s, String writer) {
    AggregateEntry e = new AggregateEntry();
    e.screenPageViews = s.screenPageViews();
    e.eventCount = s.eventCount();
    e.keyEvents = s.keyEvents();
    e.engagementMs = s.userEngagementDurationMs();
    e.newUsers = s.newUsers();
    e.botHits = s.botHits();
    e.usersHll = s.usersSketch();
    e.sessionsHll = s.sessionsSketch();
    e.engagedSessionsHll = s.engagedSessionsSketch();
    e.writer = writer;
    return e;
  }

  MetricState state() {
    return MetricState.of(screenPageViews, eventCount, keyEvents, engagementMs, newUsers, botHits, usersHll,
        sessionsHll, engagedSessionsHll);
  }

  /** The cache key of a bucket: its primary-key columns, separated by U+0001 (the value, last, may hold anything). */
  static String key(BucketKey k) {
    return k.propertyId() + SEP + k.granularity().code() + SEP + k.period() + SEP + k.dimension() + SEP
        + k.bucketStart() + SEP + k.value();
  }

  static BucketKey bucketKey(String key) {
    String[] p = key.split(String.valueOf(SEP), 6);
    return new BucketKey(p[0], Granularity.ofCode(p[1]), p[2], Long.parseLong(p[4]), p[3], p[5]);
  }
}
