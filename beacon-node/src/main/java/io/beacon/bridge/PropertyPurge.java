package io.beacon.bridge;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.query.auth.CassandraAccountStore;
import io.beacon.recompute.JobTables;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.AnnotationsTable;
import io.beacon.store.cassandra.ErasuresTable;
import io.beacon.store.cassandra.FirstVisitsTable;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.ResultSet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The purge of deleted properties once their {@link PropertyRecord#TRASH_DAYS} in the trash are over (GA4's 35 days),
 * run with the raw retention ({@link RawRetention#runOnce}). For each property due, in this order: its raw hits
 * ({@link RawErasure#eraseWhere}, raw writes paused cluster-wide as for an erasure), its {@code agg_buckets}
 * partitions (deleted whole), its {@code first_visits}, its erasure tombstones ({@code erasures}, {@code
 * recent_erasures} and the bridge's Ignite view of them), its annotations, the accounts' roles on it ({@code
 * user_properties}, then {@code property_roles}), its correction jobs ({@code recompute_jobs}, {@code
 * recompute_queue}, then {@code recompute_jobs_by_property}), its cached ad-hoc reports (the recompute role's Ignite
 * cache, which deletes their {@code report_cache} rows), and its {@code properties} row last: a purge interrupted
 * anywhere leaves the property due, and the next run takes it up (every step is idempotent). Its other Ignite
 * entries (real-time buckets, aggregate slices) expire within an hour of their writing, and nothing writes them once
 * the property is deleted: its hits are refused, its reports answer 404.
 *
 * <p>Only properties whose id has Beacon's form ({@link PropertyRecord#ID}) are purged: the id is written into the
 * raw store's SQL, which takes no bind parameters there. Several bridge nodes may run it at once: deletes are
 * idempotent, one raw rewrite runs at a time in the cluster (another fails fast and the run is retried at the next),
 * and only the node whose delete of the {@code properties} row applied counts the property as purged.
 */
public final class PropertyPurge {
  private static final Logger LOG = LoggerFactory.getLogger(PropertyPurge.class);
  /** Rows of a property's first visits read (and deleted, concurrently) at a time. */
  private static final int PAGE = 200;

  private final Vertx vertx;
  private final Pool questdb;
  private final RawErasure erasure;
  private final Supplier<CassandraClient> cassandra;
  private final Tombstones tombstones;
  private final Function<String, Future<Integer>> dropReports;
  private final Counter purged;
  private final Map<String, Future<PreparedStatement>> prepared = new ConcurrentHashMap<>();

  /**
   * @param tombstones  the bridge's Ignite view of the erasure tombstones (null: none to clean)
   * @param dropReports deletes a property's cached ad-hoc reports, completing with how many (null: none)
   */
  public PropertyPurge(Vertx vertx, Pool questdb, RawErasure erasure, Supplier<CassandraClient> cassandra,
                       Tombstones tombstones, Function<String, Future<Integer>> dropReports, MeterRegistry meters) {
    this.vertx = vertx;
    this.questdb = questdb;
    this.erasure = erasure;
    this.cassandra = cassandra;
    this.tombstones = tombstones;
    this.dropReports = dropReports;
    this.purged = Counter.builder("beacon_properties_purged_total")
        .description("Deleted properties purged from every store once their time in the trash was over")
        .register(meters);
  }

  /**
   * The properties to purge at {@code now}, in id order: deleted ones whose time in the trash is over ({@link
   * PropertyRecord#purgeDue}) and whose id has Beacon's form (any other is left, with a warning).
   */
  static List<String> due(List<PropertyRecord> properties, Instant now) {
    List<String> out = new ArrayList<>();
    properties.stream().filter(p -> p.purgeDue(now)).sorted(Comparator.comparing(PropertyRecord::propertyId,
            Comparator.nullsFirst(Comparator.naturalOrder())))
        .forEach(p -> {
          if (p.propertyId() != null && PropertyRecord.ID.matcher(p.propertyId()).matches()) {
            out.add(p.propertyId());
          } else {
            LOG.warn("Purge: a deleted property's id has not the form {}; it is left as it is",
                PropertyRecord.ID.pattern());
          }
        });
    return out;
  }

  /**
   * Purges every property due at {@code now}, one after the other; completes with what was removed of each (an
   * array of {@link #purge}'s answers, empty when none was due).
   */
  public Future<JsonArray> runOnce(Instant now) {
    return rows(PropertiesTable.selectDeletions()).compose(rows -> {
      List<String> ids = due(rows.stream().map(PropertyRecord::from).toList(), now);
      if (ids.isEmpty()) {
        return Future.succeededFuture(new JsonArray());
      }
      // One scan of the aggregates' partition index serves every property due.
      return cassandra.get().executeWithFullFetch(AggBucketsTable.selectPartitionKeys()).compose(partitions -> {
        JsonArray done = new JsonArray();
        Future<Void> chain = Future.succeededFuture();
        for (String id : ids) {
          List<Row> own = partitions.stream().filter(r -> id.equals(r.getString(0))).toList();
          chain = chain.compose(v -> purge(id, own, now).map(r -> {
            done.add(r);
            return null;
          }));
        }
        return chain.map(done);
      });
    });
  }

  /** Purges one property (its id checked against {@link PropertyRecord#ID}); completes with what was removed. */
  private Future<JsonObject> purge(String id, List<Row> aggPartitions, Instant now) {
    JsonObject removed = new JsonObject().put("propertyId", id);
    String condition = "property_id = " + RawErasure.literal(id);
    return questdb.query("SELECT count() FROM hits WHERE " + condition).execute()
        .compose(count -> {
          long n = count.iterator().next().getLong(0);
          return n == 0 ? Future.succeededFuture(new JsonObject().put("rowsErased", 0L).put("partitions", 0))
              : erasure.eraseWhere("the hits of purged property " + id, condition);
        })
        .compose(raw -> {
          removed.put("rawHits", raw.getLong("rowsErased")).put("rawDayPartitions", raw.getInteger("partitions"));
          return each(aggPartitions, p -> exec(AggBucketsTable.deletePartition(), p.getString(0), p.getString(1),
              p.getString(2), p.getString(3)));
        })
        .compose(n -> {
          removed.put("aggPartitions", n);
          return firstVisits(id);
        })
        .compose(n -> {
          removed.put("firstVisits", n);
          return tombstones(id, now);
        })
        .compose(n -> {
          removed.put("erasures", n);
          return rows(AnnotationsTable.selectByProperty(), id);
        })
        .compose(annotations -> exec(AnnotationsTable.deleteByProperty(), id).map(annotations.size()))
        // Its email report subscriptions (addresses: person data) go with it; not counted in the report.
        .compose(n -> exec(io.beacon.store.cassandra.DigestSubscriptionsTable.deleteByProperty(), id).map(n))
        .compose(n -> {
          removed.put("annotations", n);
          return rows(CassandraAccountStore.ROLE_HOLDERS, id);
        })
        .compose(holders -> each(holders, h -> exec(CassandraAccountStore.PURGE_BY_USER, h.getString(0), id))
            .compose(n -> exec(CassandraAccountStore.PURGE_BY_PROPERTY, id).map(n)))
        .compose(n -> {
          removed.put("roles", n);
          return rows(JobTables.PURGE_SELECT_IDS, id);
        })
        .compose(jobs -> each(jobs, j -> exec(JobTables.PURGE_QUEUED, j.getString(0))
                .compose(v -> exec(JobTables.PURGE_JOB, j.getString(0))))
            .compose(n -> exec(JobTables.PURGE_BY_PROPERTY, id).map(n)))
        .compose(n -> {
          removed.put("recomputeJobs", n);
          return dropReports == null ? Future.succeededFuture(0) : dropReports.apply(id);
        })
        .compose(n -> {
          removed.put("cachedReports", n);
          // Last: until this row is gone the property stays due, and an interrupted purge is taken up again.
          return exec(PropertiesTable.deleteIfExists(), id);
        })
        .map(rs -> {
          boolean applied = rs.wasApplied();
          if (applied) {
            purged.increment();
          }
          LOG.info("Purged property {} after {} days in the trash: {}", id, PropertyRecord.TRASH_DAYS, removed);
          return removed.put("propertyRow", applied);
        });
  }

  /** Deletes the property's first visits, a page at a time; completes with how many. */
  private Future<Integer> firstVisits(String id) {
    return prepare(FirstVisitsTable.selectClientsOfProperty())
        .compose(ps -> cassandra.get().execute(ps.bind(id).setPageSize(PAGE)))
        .compose(rs -> firstVisitsPage(id, rs, 0));
  }

  private Future<Integer> firstVisitsPage(String id, ResultSet rs, int before) {
    List<String> clients = new ArrayList<>();
    int available = rs.remaining();
    for (int i = 0; i < available; i++) {
      clients.add(rs.one().getString(0));
    }
    Future<Integer> page = Future.all(clients.stream()
            .map(c -> exec(FirstVisitsTable.delete(null), id, c)).toList())
        .map(v -> before + clients.size());
    return page.compose(n -> rs.hasMorePages() ? rs.fetchNextPage().compose(next -> firstVisitsPage(id, next, n))
        : Future.succeededFuture(n));
  }

  /**
   * Deletes the property's erasure tombstones: from the bridge's Ignite view, from {@code recent_erasures} (the days
   * they were filed under, and every day a recent one can be), then from {@code erasures}; completes with how many.
   */
  private Future<Integer> tombstones(String id, Instant now) {
    return rows(ErasuresTable.selectByProperty(), id).compose(rows -> {
      List<ErasuresTable.Tombstone> all = rows.stream().map(ErasuresTable::from).toList();
      TreeSet<LocalDate> days = new TreeSet<>(ErasuresTable.recentDays(now));
      all.forEach(t -> days.add(LocalDate.ofInstant(t.erasedAt(), ZoneOffset.UTC)));
      Future<Void> cache = tombstones == null || all.isEmpty() ? Future.succeededFuture()
          : vertx.executeBlocking(() -> {
            tombstones.remove(all);
            return null;
          }, false);
      return cache.compose(v -> each(new ArrayList<>(days), d -> exec(ErasuresTable.deleteRecentOfProperty(), d, id)))
          .compose(n -> exec(ErasuresTable.deleteByProperty(), id))
          .map(all.size());
    });
  }

  /** Runs {@code step} for each item, one after the other; completes with how many items there were. */
  private static <T> Future<Integer> each(List<T> items, Function<T, Future<?>> step) {
    Future<?> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(v -> step.apply(item));
    }
    return chain.map(items.size());
  }

  private Future<PreparedStatement> prepare(String cql) {
    CassandraClient c = cassandra.get();
    return prepared.compute(cql, (k, f) -> f == null || f.failed() ? c.prepare(k) : f);
  }

  private Future<List<Row>> rows(String cql, Object... values) {
    return prepare(cql).compose(ps -> cassandra.get().executeWithFullFetch(ps.bind(values)));
  }

  private Future<ResultSet> exec(String cql, Object... values) {
    return prepare(cql).compose(ps -> cassandra.get().execute(ps.bind(values)));
  }
}
