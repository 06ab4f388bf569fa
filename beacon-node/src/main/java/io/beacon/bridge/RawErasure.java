package io.beacon.bridge;

import io.beacon.contract.RawErasureContract;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right to erasure for the raw store: deletes every raw hit of one client id, and nothing else.
 *
 * <p>QuestDB has no DELETE, so each day partition holding the client's hits is rewritten: its other
 * rows are copied to {@code hits_erasure_<day>}, the partition is dropped, the copy is inserted back
 * and dropped. To lose no concurrent write, raw writes are paused cluster-wide first
 * ({@link IgniteWriteGate}: consumers treat the pause like an outage, retry, skip nothing) and the
 * WAL is let drain, so the copy sees every committed row. A copy left behind by a crash is inserted
 * back by the next erasure before anything else (the table's DEDUP makes that idempotent).
 * One erasure at a time in the cluster; a second one fails fast and can be retried.
 */
public final class RawErasure {
  private static final Logger LOG = LoggerFactory.getLogger(RawErasure.class);
  private static final long DRAIN_TIMEOUT_MS = 60_000;

  private final Vertx vertx;
  private final Pool questdb;
  private final IgniteWriteGate gate;

  public RawErasure(Vertx vertx, Pool questdb, IgniteWriteGate gate) {
    this.vertx = vertx;
    this.questdb = questdb;
    this.gate = gate;
  }

  /** Deletes the client's raw hits; completes with what was erased. */
  public Future<RawErasureContract.Result> eraseClient(String clientId) {
    if (clientId == null || clientId.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("clientId is required"));
    }
    return erase("client " + clientId, "client_id = " + literal(clientId))
        .map(r -> new RawErasureContract.Result(clientId, r.rowsErased(), r.partitions()));
  }

  /** What a rewrite erased: rows, and the day partitions they were in. */
  private record Erased(long rowsErased, int partitions) {}

  /**
   * Deletes every raw hit matching {@code condition} (a QuestDB SQL boolean expression over the hits
   * columns, literals only, false for null values), partition by partition, with raw writes paused
   * cluster-wide meanwhile; completes with {@code {"rowsErased", "partitions"}}. Fails fast if another
   * erasure holds the write gate.
   */
  public Future<JsonObject> eraseWhere(String what, String condition) {
    return erase(what, condition).map(r -> new JsonObject().put("rowsErased", r.rowsErased())
        .put("partitions", r.partitions()));
  }

  private Future<Erased> erase(String what, String condition) {
    return vertx.executeBlocking(gate::close, false).compose(closed -> {
      if (!closed) {
        return Future.failedFuture(new IllegalStateException("another erasure is running; retry later"));
      }
      LOG.info("Erasure of {}: raw writes paused", what);
      return waitFor(() -> vertx.executeBlocking(() -> gate.drained().getAsBoolean(), false), "in-flight raw writes")
          .compose(v -> walApplied())
          .compose(v -> restoreLeftovers())
          .compose(v -> rewrite(what, condition))
          .eventually(() -> vertx.executeBlocking(() -> {
            gate.open();
            LOG.info("Erasure of {}: raw writes resumed", what);
            return null;
          }, false));
    });
  }

  /** A QuestDB string literal (DDL takes no bind parameters): quoted, its quotes doubled. */
  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private Future<Erased> rewrite(String what, String condition) {
    return questdb.query("SELECT timestamp_floor('d', ts) AS day, count() AS n FROM hits WHERE " + condition).execute()
        .compose(rows -> {
          List<LocalDate> days = new ArrayList<>();
          long total = 0;
          for (Row r : rows) {
            days.add(r.getLocalDateTime("day").toLocalDate());
            total += r.getLong("n");
          }
          Future<Void> chain = Future.succeededFuture();
          for (LocalDate day : days) {
            chain = chain.compose(v -> rewriteDay(day, what, condition));
          }
          long erased = total;
          return chain.compose(v -> walApplied()).map(v -> new Erased(erased, days.size()));
        });
  }

  private Future<Void> rewriteDay(LocalDate day, String what, String condition) {
    String copy = copyTable(day);
    String from = day.atStartOfDay() + ":00.000000Z";
    String to = day.plusDays(1).atStartOfDay() + ":00.000000Z";
    LOG.info("Erasure of {}: rewriting partition {}", what, day);
    return sql("DROP TABLE IF EXISTS " + copy)
        .compose(v -> sql("CREATE TABLE " + copy + " AS (SELECT * FROM hits WHERE ts >= '" + from + "' AND ts < '"
            + to + "' AND NOT (" + condition + "))"))
        .compose(v -> sql("ALTER TABLE hits DROP PARTITION LIST '" + day + "'"))
        .compose(v -> sql("INSERT INTO hits SELECT * FROM " + copy))
        .compose(v -> walApplied())
        .compose(v -> sql("DROP TABLE " + copy));
  }

  /** Copies a crashed erasure left behind go back into the table first (idempotent thanks to DEDUP). */
  private Future<Void> restoreLeftovers() {
    return questdb.query("SELECT table_name FROM tables() WHERE table_name LIKE 'hits_erasure_%'").execute()
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (Row r : rows) {
            String t = r.getString(0);
            LOG.warn("Erasure: restoring rows from {} left by an interrupted erasure", t);
            chain = chain.compose(v -> sql("INSERT INTO hits SELECT * FROM " + t))
                .compose(v -> walApplied())
                .compose(v -> sql("DROP TABLE " + t));
          }
          return chain;
        });
  }

  /** Until every committed WAL transaction of {@code hits} is applied (readable). */
  private Future<Void> walApplied() {
    return waitFor(() -> questdb.query("SELECT writerTxn, sequencerTxn, suspended FROM wal_tables() WHERE name = 'hits'")
        .execute()
        .map(rows -> {
          Row r = rows.iterator().next();
          if (Boolean.TRUE.equals(r.getBoolean("suspended"))) {
            throw new IllegalStateException("QuestDB suspended WAL apply of table hits");
          }
          return r.getLong("writerTxn") >= r.getLong("sequencerTxn");
        }), "QuestDB WAL apply");
  }

  private Future<Void> sql(String sql) {
    return questdb.query(sql).execute().mapEmpty();
  }

  private Future<Void> waitFor(Supplier<Future<Boolean>> condition, String what) {
    long deadline = System.currentTimeMillis() + DRAIN_TIMEOUT_MS;
    Promise<Void> done = Promise.promise();
    check(condition, what, deadline, done);
    return done.future();
  }

  private void check(Supplier<Future<Boolean>> condition, String what, long deadline, Promise<Void> done) {
    condition.get().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (ar.result()) {
        done.complete();
      } else if (System.currentTimeMillis() > deadline) {
        done.fail(new IllegalStateException("timed out waiting for " + what));
      } else {
        vertx.setTimer(50, id -> check(condition, what, deadline, done));
      }
    });
  }

  static String copyTable(LocalDate day) {
    return "hits_erasure_" + day.toString().replace("-", "");
  }
}
