package io.beacon.bridge;

import io.beacon.contract.RawErasureContract;
import io.beacon.contract.RecomputeJobRequest;
import io.beacon.contract.RecomputeJobsContract;
import io.beacon.infra.clients.PropertyLookup;
import io.beacon.store.cassandra.ErasuresTable;
import io.beacon.store.cassandra.FirstVisitsTable;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.function.Supplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right to erasure of one person of one property (by client id or user id), across every store Beacon keeps
 * per-person data in. In order:
 * <ol>
 *   <li>the tombstone ({@link ErasuresTable}, then {@link Tombstones}' replicated view), first, so that from then on
 *   no replayed hit of the person received before now is written again, whatever happens next;</li>
 *   <li>the raw hits ({@link RawErasure}, raw writes paused cluster-wide);</li>
 *   <li>the first visits ({@code first_visits}) of the client ids that have no raw hit left in the property;</li>
 *   <li>the property's cached ad-hoc reports ({@code report_cache} and its Ignite cache), which may count the person;</li>
 *   <li>the aggregates ({@code agg_buckets}): they hold counts and distinct-count sketches, not ids one could
 *   delete, so the property's days since the person's first hit are rebuilt from the erased raw hits by a recompute
 *   job (closed days now, open days when they close), as after a change of settings.</li>
 * </ol>
 * Every step is idempotent: an erasure that failed half-way is completed by asking for it again.
 */
public final class PersonErasure {
  private static final Logger LOG = LoggerFactory.getLogger(PersonErasure.class);
  private static final DeliveryOptions HISTORY_SEND = new DeliveryOptions().setSendTimeout(15_000);

  private final Vertx vertx;
  private final RawErasure raw;
  private final Supplier<CassandraClient> cassandra;
  private final Tombstones tombstones;
  private final Ignite ignite;
  private final Map<String, Future<PreparedStatement>> prepared = new ConcurrentHashMap<>();

  public PersonErasure(Vertx vertx, RawErasure raw, Supplier<CassandraClient> cassandra, Tombstones tombstones,
                       Ignite ignite) {
    this.vertx = vertx;
    this.raw = raw;
    this.cassandra = cassandra;
    this.tombstones = tombstones;
    this.ignite = ignite;
  }

  public Future<RawErasureContract.Result> erase(RawErasureContract.Request request) {
    RawErasure.Target target;
    try {
      target = new RawErasure.Target(request.propertyId(), request.kind(), request.id());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    ErasuresTable.Tombstone tombstone = new ErasuresTable.Tombstone(target.propertyId(), target.kind().column(),
        target.id(), at);
    LOG.info("Erasure of a {} of property {} requested", target.kind().field(), target.propertyId());
    return rows(ErasuresTable.insert(), ErasuresTable.insertValues(tombstone, request.requestedBy()))
        .compose(v -> rows(ErasuresTable.insertRecent(), ErasuresTable.insertRecentValues(tombstone, at)))
        .compose(v -> vertx.executeBlocking(() -> {
          tombstones.add(tombstone);
          return null;
        }, false))
        .compose(v -> raw.erasePerson(target))
        .compose(erased -> deleteFirstVisits(target.propertyId(), erased.goneClients())
            .compose(firstVisits -> dropReports(target.propertyId())
                .compose(reports -> rebuild(target.propertyId(), erased.earliest(), request.requestedBy())
                    .map(history -> new RawErasureContract.Result(target.propertyId(), target.kind(),
                        erased.rowsErased(), erased.partitions(), firstVisits, reports, at.toString(), history)))))
        .onSuccess(r -> LOG.info("Erasure of a {} of property {} done: {} raw rows, {} first visits, {} reports",
            target.kind().field(), target.propertyId(), r.rowsErased(), r.firstVisitsDeleted(), r.reportsDropped()));
  }

  /**
   * Files the tombstones still within the replay horizon in {@code recent_erasures} (idempotent; the rows keep their
   * erasure time, so their expiry is that of a tombstone written then): tombstones recorded before that table existed
   * reach the Spark job too. Called once the bridge has read {@code erasures} at its start.
   */
  public Future<Void> fileRecent(List<ErasuresTable.Tombstone> all) {
    Instant now = Instant.now();
    Future<Void> chain = Future.succeededFuture();
    for (ErasuresTable.Tombstone t : all) {
      Object[] values = ErasuresTable.insertRecentValues(t, now);
      if (values != null) {
        chain = chain.compose(v -> rows(ErasuresTable.insertRecent(), values).mapEmpty());
      }
    }
    return chain;
  }

  /** Runs a statement, prepared once per node, with its values bound; completes with every row. */
  private Future<List<Row>> rows(String cql, Object... values) {
    CassandraClient c = cassandra.get();
    return prepared.computeIfAbsent(cql, k -> c.prepare(k))
        .recover(e -> {
          prepared.remove(cql);
          return Future.failedFuture(e);
        })
        .compose(ps -> c.executeWithFullFetch(ps.bind(values)));
  }

  private Future<Integer> deleteFirstVisits(String propertyId, List<String> clients) {
    Future<Void> chain = Future.succeededFuture();
    for (String c : clients) {
      chain = chain.compose(v -> rows(FirstVisitsTable.delete(null), propertyId, c).mapEmpty());
    }
    return chain.map(clients.size());
  }

  /** Deletes the property's cached ad-hoc reports, in the recompute role's Ignite cache and in Cassandra. */
  Future<Integer> dropReports(String propertyId) {
    return rows("SELECT report_key FROM report_cache WHERE property_id = ? ALLOW FILTERING", propertyId)
        .compose(rows -> {
          Set<String> keys = new HashSet<>();
          rows.forEach(r -> keys.add(r.getString(0)));
          return vertx.executeBlocking(() -> {
            IgniteCache<String, Object> cache = ignite.cache(RecomputeJobsContract.REPORTS_CACHE);
            if (cache != null) {
              // The cache writes through: every entry it holds has its row, so the rows' keys are all its keys.
              cache.removeAll(keys);
            }
            return keys;
          }, false);
        })
        .compose(keys -> {
          Future<Void> chain = Future.succeededFuture();
          for (String k : keys) {
            chain = chain.compose(v -> rows("DELETE FROM report_cache WHERE report_key = ?", k).mapEmpty());
          }
          return chain.map(keys.size());
        });
  }

  /** Queues the rebuild of the property's aggregates from the day of the person's first hit (null: none). */
  private Future<JsonObject> rebuild(String propertyId, Instant earliest, String requestedBy) {
    if (earliest == null) {
      return Future.succeededFuture(null);
    }
    return new PropertyLookup(cassandra.get(), java.time.Duration.ofSeconds(10)).zoneOf(propertyId)
        .compose(zone -> {
          ZoneId z = zone.orElse(ZoneId.of("UTC"));
          // ts is the event time, by which aggregates date a hit.
          LocalDate from = LocalDate.ofInstant(earliest, z);
          JsonObject answer = new JsonObject().put("from", from.toString());
          return RecomputeJobsContract.request(vertx, new RecomputeJobRequest.History(propertyId, z, from, "erasure",
                  requestedBy), HISTORY_SEND)
              .map(jobs -> answer.put("jobs", new JsonArray(new ArrayList<>(jobs.jobs().stream()
                  .map(j -> j.toJson()).toList()))))
              .recover(e -> {
                LOG.warn("Erasure in property {}: no recompute job could be queued to rebuild its aggregates: {}",
                    propertyId, e.toString());
                return Future.succeededFuture(answer.put("error", "no recompute node queued the rebuild of the "
                    + "aggregates (" + e.getMessage() + "); start it with POST /api/v1/admin/recompute"));
              });
        });
  }
}
