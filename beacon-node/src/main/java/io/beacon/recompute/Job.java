package io.beacon.recompute;

import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.contract.JobStatus;
import io.beacon.contract.RecomputeJob;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * A correction job: rebuild the aggregates of a property's local days {@code from..to} from raw hits. A row of
 * {@code recompute_jobs}; its view ({@link #toView}) is what the admin API and the CLI show.
 *
 * @param daysDone      days rebuilt so far, in order from {@code from}: a resumed job starts after them
 * @param leaseVersion  bumped by each runner that claims the job; progress is written only under the current one
 * @param notBefore     a late-hit job waits until its day is closed to the stream (else the stream could add hits
 *                      the recompute already counted)
 */
record Job(String id, String propertyId, ZoneId zone, LocalDate from, LocalDate to, String reason, String requestedBy,
           JobStatus status, int daysTotal, int daysDone, long hitsScanned, String owner, int leaseVersion,
           Instant leaseUntil, Instant notBefore, boolean cancelRequested, String error, Instant createdAt,
           Instant startedAt, Instant finishedAt) {

  static final String COLUMNS = "job_id, property_id, time_zone, from_date, to_date, reason, requested_by, status,"
      + " days_total, days_done, hits_scanned, owner, lease_version, lease_until, not_before, cancel_requested, error,"
      + " created_at, started_at, finished_at";

  boolean finished() {
    return status.finished();
  }

  /** Whether a runner may take it now: queued and due, or running under a lease that expired. */
  boolean claimable(Instant now) {
    if (finished()) {
      return false;
    }
    if (status == JobStatus.QUEUED) {
      return notBefore == null || !notBefore.isAfter(now);
    }
    return leaseUntil == null || leaseUntil.isBefore(now);
  }

  static Job of(Row r) {
    return new Job(r.getString("job_id"), r.getString("property_id"), ZoneId.of(r.getString("time_zone")),
        r.getLocalDate("from_date"), r.getLocalDate("to_date"), r.getString("reason"), r.getString("requested_by"),
        JobStatus.ofWire(r.getString("status")), r.getInt("days_total"), r.getInt("days_done"), r.getLong("hits_scanned"),
        r.getString("owner"), r.getInt("lease_version"), r.getInstant("lease_until"), r.getInstant("not_before"),
        r.getBoolean("cancel_requested"), r.getString("error"), r.getInstant("created_at"),
        r.getInstant("started_at"), r.getInstant("finished_at"));
  }

  /** The job as the API shows it at {@code now}: its progress, with a time left while it runs. */
  RecomputeJob toView(Instant now) {
    Long eta = null;
    if (status == JobStatus.RUNNING && startedAt != null && daysDone > 0) {
      long elapsed = Duration.between(startedAt, now).toMillis();
      eta = Math.max(0, elapsed * (daysTotal - daysDone) / daysDone / 1000);
    }
    RecomputeJob.Progress progress = new RecomputeJob.Progress(daysDone, daysTotal,
        daysTotal == 0 ? 1.0 : Math.round(1000.0 * daysDone / daysTotal) / 1000.0, hitsScanned, eta);
    return new RecomputeJob(id, propertyId, from, to, zone, reason, requestedBy, status, cancelRequested, progress,
        createdAt, startedAt, finishedAt, notBefore != null && notBefore.isAfter(now) ? notBefore : null, error);
  }
}
