package io.beacon.bridge;

import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw-hit retention, per property, on a timer: a property's hits older than its {@code retention_days}
 * (the {@code properties} table in Cassandra; {@code bridge.retentionDays} for properties without one and
 * for hits of unknown properties, where 0 keeps them forever) are dropped. Cut-offs are aligned to UTC
 * midnight, so whole days go.
 *
 * <p>Two steps. Day partitions older than the longest retention in force hold only expired rows: they are
 * dropped as a whole ({@code ALTER TABLE DROP PARTITION}), which is cheap. Properties with a shorter
 * retention have their older rows deleted from the partitions that still hold them, through the erasure's
 * partition rewrite ({@link RawErasure#eraseWhere}, raw writes paused meanwhile); that step first counts the
 * expired rows and does nothing when there are none, so a run after a successful one changes nothing.
 * Several nodes may run it at once: drops are idempotent and one rewrite runs at a time in the cluster (the
 * others skip until the next run). Each run first completes any rewrite an interrupted erasure left
 * ({@link RawErasure#recover}), and ends with the aggregates' retention ({@link AggRetention}), same days, and the
 * purge of the deleted properties whose time in the trash is over ({@link PropertyPurge}).
 */
public final class RawRetention {
  private static final Logger LOG = LoggerFactory.getLogger(RawRetention.class);

  private final Vertx vertx;
  private final Pool questdb;
  private final Supplier<Future<Map<String, Integer>>> perProperty;
  private final RawErasure erasure;
  private final AggRetention aggregates;
  private final PropertyPurge purge;
  private final int defaultDays;
  private final long intervalMs;
  private long timer = -1;

  /**
   * @param perProperty the properties that have their own retention (property id to days, at least 1)
   * @param defaultDays retention of every other property's hits; 0 keeps them forever
   */
  public RawRetention(Vertx vertx, Pool questdb, Supplier<Future<Map<String, Integer>>> perProperty,
                      RawErasure erasure, int defaultDays, long intervalMs) {
    this(vertx, questdb, perProperty, erasure, null, defaultDays, intervalMs);
  }

  /** @param aggregates the aggregates' retention, run after the raw hits' (null: none) */
  public RawRetention(Vertx vertx, Pool questdb, Supplier<Future<Map<String, Integer>>> perProperty,
                      RawErasure erasure, AggRetention aggregates, int defaultDays, long intervalMs) {
    this(vertx, questdb, perProperty, erasure, aggregates, null, defaultDays, intervalMs);
  }

  /** @param purge the purge of deleted properties past their time in the trash, run last (null: none) */
  public RawRetention(Vertx vertx, Pool questdb, Supplier<Future<Map<String, Integer>>> perProperty,
                      RawErasure erasure, AggRetention aggregates, PropertyPurge purge, int defaultDays,
                      long intervalMs) {
    this.aggregates = aggregates;
    this.purge = purge;
    this.vertx = vertx;
    this.questdb = questdb;
    this.perProperty = perProperty;
    this.erasure = erasure;
    this.defaultDays = defaultDays;
    this.intervalMs = intervalMs;
  }

  /** Reads the retention of every property that has one from the properties table. */
  public static Supplier<Future<Map<String, Integer>>> fromProperties(Supplier<CassandraClient> cassandra) {
    return () -> cassandra.get().executeWithFullFetch(PropertiesTable.selectRetentions())
        .map(rows -> {
          Map<String, Integer> out = new HashMap<>();
          rows.forEach(r -> {
            PropertyRecord p = PropertyRecord.from(r);
            if (p.retentionDays() != null && p.retentionDays() > 0) {
              out.put(p.propertyId(), p.retentionDays());
            }
          });
          return out;
        });
  }

  public void start() {
    timer = vertx.setPeriodic(Math.min(60_000, intervalMs), intervalMs, id -> runOnce(Instant.now())
        .onFailure(e -> LOG.warn("Raw retention failed; next try in {} ms: {}", intervalMs, e.getMessage())));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** The first instant that is kept: midnight UTC of the day {@code retentionDays} before now. */
  public static Instant cutoff(Instant now, int retentionDays) {
    return now.minus(retentionDays, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS);
  }

  /**
   * One retention run at {@code now}; completes with {@code {"droppedBefore": instant or null,
   * "rowsErased", "partitions"}} (the rewrite step's figures, 0 when it had nothing to do), and with a purge, {@code
   * "propertiesPurged"} ({@link PropertyPurge#runOnce}).
   */
  public Future<JsonObject> runOnce(Instant now) {
    // First complete any rewrite an interrupted erasure left (a short day must not wait for the next erasure).
    Future<Integer> recovered = erasure == null ? Future.succeededFuture(0) : erasure.recover();
    return recovered.compose(restored -> perProperty.get()).compose(days -> {
      // The longest retention any hit can have: the default for properties without their own, and each own one.
      Integer longest = defaultDays == 0 ? null : defaultDays;
      for (int d : days.values()) {
        longest = longest == null ? null : Math.max(longest, d);
      }
      Instant dropBefore = longest == null ? null : cutoff(now, longest);
      Future<Void> dropped = dropBefore == null ? Future.succeededFuture() : dropPartitions(dropBefore);
      String expired = expiredCondition(now, days, longest);
      return dropped.compose(v -> expired == null ? Future.succeededFuture(new JsonObject().put("rowsErased", 0L)
              .put("partitions", 0)) : eraseExpired(expired))
          .map(r -> r.put("droppedBefore", dropBefore == null ? null : dropBefore.toString()))
          .compose(r -> aggregates == null ? Future.succeededFuture(r)
              : aggregates.runOnce(now, days, defaultDays).map(n -> r.put("aggPartitionsTrimmed", n)))
          .compose(r -> purge == null ? Future.succeededFuture(r)
              : purge.runOnce(now).map(p -> r.put("propertiesPurged", p)));
    });
  }

  /**
   * The rows past their own property's retention that partition drops leave behind (a retention shorter
   * than {@code longest}), as a SQL condition; null when there can be none.
   */
  String expiredCondition(Instant now, Map<String, Integer> days, Integer longest) {
    List<String> terms = new ArrayList<>();
    days.forEach((property, d) -> {
      if (longest == null || d < longest) {
        terms.add("(property_id = " + RawErasure.literal(property) + " AND ts < '" + cutoff(now, d) + "')");
      }
    });
    if (defaultDays > 0 && (longest == null || defaultDays < longest)) {
      StringBuilder others = new StringBuilder("(ts < '").append(cutoff(now, defaultDays)).append('\'');
      if (!days.isEmpty()) {
        List<String> own = days.keySet().stream().map(RawErasure::literal).toList();
        others.append(" AND property_id NOT IN (").append(String.join(",", own)).append(')');
      }
      terms.add(others.append(')').toString());
    }
    return terms.isEmpty() ? null : String.join(" OR ", terms);
  }

  private Future<JsonObject> eraseExpired(String condition) {
    return questdb.query("SELECT count() FROM hits WHERE " + condition).execute().compose(rows -> {
      long n = rows.iterator().next().getLong(0);
      if (n == 0) {
        return Future.succeededFuture(new JsonObject().put("rowsErased", 0L).put("partitions", 0));
      }
      LOG.info("Raw retention: erasing {} hits past their property's retention", n);
      return erasure.eraseWhere("hits past their property's retention", condition);
    });
  }

  /** Drops every partition entirely before the cut-off; succeeds when there is none. */
  private Future<Void> dropPartitions(Instant cutoff) {
    // A literal, not a bind parameter: QuestDB's ALTER TABLE does not take parameters.
    String sql = "ALTER TABLE hits DROP PARTITION WHERE ts < '" + cutoff + "'";
    return questdb.query(sql).execute()
        .<Void>mapEmpty()
        .onSuccess(v -> LOG.info("Raw retention: dropped partitions before {}", cutoff))
        .recover(e -> {
          // QuestDB reports "no partitions matched" as an error: nothing to drop is success.
          if (String.valueOf(e.getMessage()).toLowerCase().contains("no partitions")) {
            return Future.succeededFuture();
          }
          return Future.failedFuture(e);
        });
  }
}
