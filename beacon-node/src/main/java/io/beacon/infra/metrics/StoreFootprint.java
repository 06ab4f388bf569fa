package io.beacon.infra.metrics;

import io.beacon.infra.NodeContext;
import io.beacon.infra.config.Store;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores' on-disk footprint as live gauges, the same figures the benchmark reports as "disk bytes per hit":
 * {@code beacon_store_disk_bytes{store,table}} and {@code beacon_store_rows{store,table}}, read every
 * {@link #INTERVAL_MS} through the node's non-blocking clients. QuestDB reports each partition's size and row
 * count ({@code table_partitions('hits')}); only closed partitions (past days) count, because QuestDB preallocates
 * the active one's column files and trims them when it closes, so today's size says nothing per hit. Cassandra its on-disk SSTables per table in whole MiB
 * ({@code system_views.disk_usage}, local to the node that answers, memtables not included). Grafana divides
 * one by the other. A failed read keeps the last value and logs once per failure streak: a store being down is
 * the readiness check's business, not this one's.
 */
public final class StoreFootprint extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StoreFootprint.class);
  static final long INTERVAL_MS = 30_000;

  private final NodeContext ctx;
  private final Set<Store> stores;
  private final AtomicLong questdbBytes = new AtomicLong();
  private final AtomicLong questdbRows = new AtomicLong();
  private final AtomicLong questdbAllRows = new AtomicLong();
  private final AtomicLong cassandraBytes = new AtomicLong();
  private boolean failing;
  private long timer = -1;

  public StoreFootprint(NodeContext ctx, Set<Store> stores) {
    this.ctx = ctx;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    if (stores.contains(Store.QUESTDB)) {
      gauge("questdb", "hits", "closed", "beacon_store_disk_bytes", questdbBytes, "On-disk size of a store's table, bytes");
      gauge("questdb", "hits", "closed", "beacon_store_rows", questdbRows, "Rows in a store's table");
      gauge("questdb", "hits", "all", "beacon_store_rows", questdbAllRows, "Rows in a store's table");
    }
    if (stores.contains(Store.CASSANDRA)) {
      gauge("cassandra", "agg_buckets", "all", "beacon_store_disk_bytes", cassandraBytes,
          "On-disk size of a store's table, bytes");
    }
    refresh();
    timer = vertx.setPeriodic(INTERVAL_MS, id -> refresh());
    return Future.succeededFuture();
  }

  private void gauge(String store, String table, String partitions, String name, AtomicLong value, String help) {
    Gauge.builder(name, value, AtomicLong::get).description(help).tag("store", store).tag("table", table)
        .tag("partitions", partitions).register(ctx.meters());
  }

  private void refresh() {
    Future<Void> questdb = !stores.contains(Store.QUESTDB) ? Future.succeededFuture()
        : ctx.clients().questdb().query(
            "SELECT active, sum(diskSize), sum(numRows) FROM table_partitions('hits')").execute()
            .map(rows -> {
              long closedBytes = 0;
              long closedRows = 0;
              long allRows = 0;
              for (var row : rows) {
                long n = row.getLong(2) == null ? 0 : row.getLong(2);
                allRows += n;
                if (!Boolean.TRUE.equals(row.getBoolean(0))) {
                  closedBytes += row.getLong(1) == null ? 0 : row.getLong(1);
                  closedRows += n;
                }
              }
              questdbBytes.set(closedBytes);
              questdbRows.set(closedRows);
              questdbAllRows.set(allRows);
              return null;
            });
    Future<Void> cassandra = !stores.contains(Store.CASSANDRA) ? Future.succeededFuture()
        : ctx.clients().cassandra().execute("SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = '"
                + ctx.config().cassandra().keyspace() + "' AND table_name = 'agg_buckets'")
            .map(rows -> {
              var row = rows.one();
              cassandraBytes.set(row == null ? 0 : row.getLong(0) << 20);
              return null;
            });
    Future.join(questdb, cassandra).onComplete(ar -> {
      if (ar.failed() && !failing) {
        LOG.info("Store footprint not read (kept the last values): {}", ar.cause().toString());
      }
      failing = ar.failed();
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
