package io.beacon.bridge;

import io.beacon.contract.RawErasureContract;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right to erasure for the raw store: deletes every raw hit of one person of one property (by client id or by
 * user id), and nothing else; the retention's partition rewrite ({@link #eraseWhere}) runs through it too.
 *
 * <p>QuestDB has no DELETE, so each day partition holding the rows is rewritten: its other rows are copied to
 * {@code hits_erasure_<day>}, the partition is dropped, the copy is inserted back and dropped. To lose no
 * concurrent write, raw writes are paused cluster-wide first ({@link IgniteWriteGate}: consumers treat the pause
 * like an outage, retry, skip nothing) and the WAL is let drain, so the copy sees every committed row.
 *
 * <p>Crash safety: the copy is complete before the partition is dropped, and it is only dropped once its rows are
 * back. A rewrite interrupted anywhere leaves either nothing or a copy; {@link #recover()} inserts such copies
 * back (DEDUP makes that idempotent: a copy made before its drop rewrites rows that are there) and runs at bridge
 * start and before every retention run, as well as before every erasure, so a day is short only until then. The
 * gate's lease (a departed holder holds nothing) lets that recovery run at once on another node.
 * One erasure at a time in the cluster; a second one fails fast ({@link ErasureBusyException}) and can be retried.
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

  /** One person of one property, known by client id or by user id. */
  public record Target(String propertyId, RawErasureContract.IdKind kind, String id) {
    public Target {
      if (propertyId == null || propertyId.isBlank() || id == null || id.isEmpty() || kind == null) {
        throw new IllegalArgumentException("a property id, an id kind and an id are required");
      }
    }

    /** The raw hits of the person, as a QuestDB condition (literals only). */
    String condition() {
      return "property_id = " + literal(propertyId) + " AND " + kind.column() + " = " + literal(id);
    }
  }

  /**
   * What erasing a person removed from the raw store: rows, day partitions, the time of their earliest hit (null
   * if none), and the client ids that have no raw hit left in the property (their first visits can go).
   */
  public record PersonErased(long rowsErased, int partitions, Instant earliest, List<String> goneClients) {}

  /** Deletes the person's raw hits of the property, and nothing else; completes with what was erased. */
  public Future<PersonErased> erasePerson(Target target) {
    String what = target.kind().field() + " of property " + target.propertyId();
    List<String> clients = new ArrayList<>();
    Instant[] earliest = new Instant[1];
    return withGate(what, () -> questdb.query("SELECT client_id, min(ts) AS first FROM hits WHERE "
            + target.condition()).execute()
        .compose(rows -> {
          for (Row r : rows) {
            if (r.getString("client_id") != null) {
              clients.add(r.getString("client_id"));
            }
            Instant first = r.getLocalDateTime("first").toInstant(ZoneOffset.UTC);
            earliest[0] = earliest[0] == null || first.isBefore(earliest[0]) ? first : earliest[0];
          }
          return rewrite(what, target.condition());
        })
        .compose(erased -> remaining(target.propertyId(), clients).map(left -> {
          List<String> gone = new ArrayList<>(clients);
          gone.removeAll(left);
          return new PersonErased(erased.rowsErased(), erased.partitions(), earliest[0], gone);
        })));
  }

  /** Which of {@code clients} still have raw hits in the property. */
  private Future<Set<String>> remaining(String propertyId, List<String> clients) {
    if (clients.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    String in = String.join(",", clients.stream().map(RawErasure::literal).toList());
    return questdb.query("SELECT DISTINCT client_id FROM hits WHERE property_id = " + literal(propertyId)
            + " AND client_id IN (" + in + ")").execute()
        .map(rows -> {
          Set<String> left = new HashSet<>();
          rows.forEach(r -> left.add(r.getString(0)));
          return left;
        });
  }

  /**
   * Completes the day rewrites an erasure interrupted (a crash, a lost node) by inserting their kept rows back, so
   * no day stays short until the next erasure: the bridge runs it at start and before each retention run. Does
   * nothing while another erasure holds the gate (its copies are not leftovers).
   */
  public Future<Integer> recover() {
    return vertx.executeBlocking(gate::close, false).compose(closed -> {
      if (!closed) {
        return Future.succeededFuture(0);
      }
      return restoreLeftovers().eventually(() -> vertx.executeBlocking(() -> {
        gate.open();
        return null;
      }, false));
    });
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
    return withGate(what, () -> rewrite(what, condition));
  }

  /**
   * Runs {@code job} with raw writes paused cluster-wide, once every in-flight write has ended and the WAL is
   * applied, after restoring what an interrupted erasure left; fails fast if another erasure holds the gate.
   */
  private <T> Future<T> withGate(String what, Supplier<Future<T>> job) {
    return vertx.executeBlocking(gate::close, false).compose(closed -> {
      if (!closed) {
        return Future.failedFuture(new ErasureBusyException());
      }
      LOG.info("Erasure of {}: raw writes paused", what);
      return waitFor(() -> vertx.executeBlocking(() -> gate.drained().getAsBoolean(), false), "in-flight raw writes")
          .compose(v -> walApplied())
          .compose(v -> restoreLeftovers())
          .compose(n -> job.get())
          .eventually(() -> vertx.executeBlocking(() -> {
            gate.open();
            LOG.info("Erasure of {}: raw writes resumed", what);
            return null;
          }, false));
    });
  }

  /** Another erasure (or retention rewrite) holds the raw-write gate: retry later. */
  public static final class ErasureBusyException extends IllegalStateException {
    ErasureBusyException() {
      super("another erasure is running; retry later");
    }
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

  /**
   * Copies an interrupted erasure left behind go back into the table first (idempotent thanks to DEDUP: a copy
   * made before its partition was dropped only rewrites rows that are there); completes with how many.
   */
  private Future<Integer> restoreLeftovers() {
    return questdb.query("SELECT table_name FROM tables() WHERE table_name LIKE 'hits_erasure_%'").execute()
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          int n = 0;
          for (Row r : rows) {
            String t = r.getString(0);
            n++;
            LOG.warn("Erasure: restoring rows from {} left by an interrupted erasure", t);
            chain = chain.compose(v -> sql("INSERT INTO hits SELECT * FROM " + t))
                .compose(v -> walApplied())
                .compose(v -> sql("DROP TABLE " + t));
          }
          int restored = n;
          return chain.map(restored);
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
