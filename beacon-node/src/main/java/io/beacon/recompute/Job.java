package io.beacon.recompute;

import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * A correction job: rebuild the aggregates of a property's local days {@code from..to} from raw hits. A row of
 * {@code recompute_jobs}; its JSON ({@link #toJson}) is what the admin API and the CLI show.
 *
 * @param status        {@code queued}, {@code running}, {@code done}, {@code failed} or {@code cancelled}
 * @param daysDone      days rebuilt so far, in order from {@code from}: a resumed job starts after them
 * @param leaseVersion  bumped by each runner that claims the job; progress is written only under the current one
 * @param notBefore     a late-hit job waits until its day is closed to the stream (else the stream could add hits
 *                      the recompute already counted)
 */
record Job(String id, String propertyId, ZoneId zone, LocalDate from, LocalDate to, String reason, String requestedBy,
           String status, int daysTotal, int daysDone, long hitsScanned, String owner, int leaseVersion,
           Instant leaseUntil, Instant notBefore, boolean cancelRequested, String error, Instant createdAt,
           Instant startedAt, Instant finishedAt) {

  static final String QUEUED = "queued";
  static final String RUNNING = "running";
  static final String DONE = "done";
  static final String FAILED = "failed";
  static final String CANCELLED = "cancelled";

  static final String COLUMNS = "job_id, property_id, time_zone, from_date, to_date, reason, requested_by, status,"
      + " days_total, days_done, hits_scanned, owner, lease_version, lease_until, not_before, cancel_requested, error,"
      + " created_at, started_at, finished_at";

  boolean finished() {
    return DONE.equals(status) || FAILED.equals(status) || CANCELLED.equals(status);
  }

  /** Whether a runner may take it now: queued and due, or running under a lease that expired. */
  boolean claimable(Instant now) {
    if (finished()) {
      return false;
    }
    if (QUEUED.equals(status)) {
      return notBefore == null || !notBefore.isAfter(now);
    }
    return leaseUntil == null || leaseUntil.isBefore(now);
  }

  static Job of(Row r) {
    return new Job(r.getString("job_id"), r.getString("property_id"), ZoneId.of(r.getString("time_zone")),
        r.getLocalDate("from_date"), r.getLocalDate("to_date"), r.getString("reason"), r.getString("requested_by"),
        r.getString("status"), r.getInt("days_total"), r.getInt("days_done"), r.getLong("hits_scanned"),
        r.getString("owner"), r.getInt("lease_version"), r.getInstant("lease_until"), r.getInstant("not_before"),
        r.getBoolean("cancel_requested"), r.getString("error"), r.getInstant("created_at"),
        r.getInstant("started_at"), r.getInstant("finished_at"));
  }

  JsonObject toJson(Instant now) {
    JsonObject progress = new JsonObject()
        .put("daysDone", daysDone)
        .put("daysTotal", daysTotal)
        .put("fraction", daysTotal == 0 ? 1.0 : Math.round(1000.0 * daysDone / daysTotal) / 1000.0)
        .put("hitsScanned", hitsScanned);
    if (RUNNING.equals(status) && startedAt != null && daysDone > 0) {
      long elapsed = Duration.between(startedAt, now).toMillis();
      progress.put("etaSeconds", Math.max(0, elapsed * (daysTotal - daysDone) / daysDone / 1000));
    }
    JsonObject j = new JsonObject()
        .put("jobId", id)
        .put("propertyId", propertyId)
        .put("from", from.toString())
        .put("to", to.toString())
        .put("timeZone", zone.getId())
        .put("reason", reason)
        .put("requestedBy", requestedBy)
        .put("status", status)
        .put("cancelRequested", cancelRequested)
        .put("progress", progress)
        .put("createdAt", createdAt == null ? null : createdAt.toString());
    if (startedAt != null) {
      j.put("startedAt", startedAt.toString());
    }
    if (finishedAt != null) {
      j.put("finishedAt", finishedAt.toString());
    }
    if (notBefore != null && notBefore.isAfter(now)) {
      j.put("notBefore", notBefore.toString());
    }
    if (error != null) {
      j.put("error", error);
    }
    return j;
  }
}
