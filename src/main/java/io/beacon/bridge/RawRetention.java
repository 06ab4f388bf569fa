package io.beacon.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops raw-hit partitions (one per UTC day) that hold only hits older than {@code retentionDays},
 * on a timer, over PG wire. The cut-off is aligned to a day boundary, so a partition is dropped only
 * when every row in it is past retention, whichever way QuestDB matches partitions to the condition.
 * Idempotent: several nodes running it at once drop the same partitions.
 */
public final class RawRetention {
  private static final Logger LOG = LoggerFactory.getLogger(RawRetention.class);

  private final Vertx vertx;
  private final Pool questdb;
  private final int retentionDays;
  private final long intervalMs;
  private long timer = -1;

  public RawRetention(Vertx vertx, Pool questdb, int retentionDays, long intervalMs) {
    this.vertx = vertx;
    this.questdb = questdb;
    this.retentionDays = retentionDays;
    this.intervalMs = intervalMs;
  }

  public void start() {
    if (retentionDays > 0) {
      timer = vertx.setPeriodic(Math.min(60_000, intervalMs), intervalMs, id -> runOnce(Instant.now())
          .onFailure(e -> LOG.warn("Raw retention ({} days) failed; next try in {} ms: {}", retentionDays, intervalMs,
              e.getMessage())));
    }
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

  /** Drops every partition entirely before the cut-off; succeeds when there is none. */
  public Future<Void> runOnce(Instant now) {
    Instant cutoff = cutoff(now, retentionDays);
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
