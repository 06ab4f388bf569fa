package io.beacon.contract;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * A correction job as the admin API and the CLI show it (the reply to start, get and cancel on
 * {@link RecomputeJobsContract}): rebuild the aggregates of a property's local days {@code from..to} from raw
 * hits.
 *
 * @param reason      {@code admin} (asked for over the API) or {@code late-hits} (the stream's dirty buckets)
 * @param createdAt   null only for a row written without it
 * @param startedAt   null until a runner first claimed it
 * @param finishedAt  null until it ended
 * @param notBefore   set while the job waits for its day to be closed to the stream
 * @param error       why it failed, if it did
 */
public record RecomputeJob(String jobId, String propertyId, LocalDate from, LocalDate to, ZoneId timeZone,
                           String reason, String requestedBy, JobStatus status, boolean cancelRequested,
                           Progress progress, Instant createdAt, Instant startedAt, Instant finishedAt,
                           Instant notBefore, String error) {

  /**
   * @param fraction    {@code daysDone / daysTotal}, to three decimals (1 for a job of no day)
   * @param etaSeconds  while running, the time left at the pace so far; else null
   */
  public record Progress(int daysDone, int daysTotal, double fraction, long hitsScanned, Long etaSeconds) {
    JsonObject toJson() {
      JsonObject j = new JsonObject()
          .put("daysDone", daysDone)
          .put("daysTotal", daysTotal)
          .put("fraction", fraction)
          .put("hitsScanned", hitsScanned);
      if (etaSeconds != null) {
        j.put("etaSeconds", etaSeconds);
      }
      return j;
    }

    static Progress fromJson(JsonObject j) {
      return new Progress(j.getInteger("daysDone", 0), j.getInteger("daysTotal", 0), j.getDouble("fraction", 0.0),
          j.getLong("hitsScanned", 0L), j.getLong("etaSeconds"));
    }
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("jobId", jobId)
        .put("propertyId", propertyId)
        .put("from", from.toString())
        .put("to", to.toString())
        .put("timeZone", timeZone.getId())
        .put("reason", reason)
        .put("requestedBy", requestedBy)
        .put("status", status.wire())
        .put("cancelRequested", cancelRequested)
        .put("progress", progress.toJson())
        .put("createdAt", createdAt == null ? null : createdAt.toString());
    if (startedAt != null) {
      j.put("startedAt", startedAt.toString());
    }
    if (finishedAt != null) {
      j.put("finishedAt", finishedAt.toString());
    }
    if (notBefore != null) {
      j.put("notBefore", notBefore.toString());
    }
    if (error != null) {
      j.put("error", error);
    }
    return j;
  }

  public static RecomputeJob fromJson(JsonObject j) {
    return new RecomputeJob(j.getString("jobId"), j.getString("propertyId"), LocalDate.parse(j.getString("from")),
        LocalDate.parse(j.getString("to")), ZoneId.of(j.getString("timeZone")), j.getString("reason"),
        j.getString("requestedBy"), JobStatus.ofWire(j.getString("status")), j.getBoolean("cancelRequested", false),
        Progress.fromJson(j.getJsonObject("progress", new JsonObject())), instant(j, "createdAt"),
        instant(j, "startedAt"), instant(j, "finishedAt"), instant(j, "notBefore"), j.getString("error"));
  }

  private static Instant instant(JsonObject j, String key) {
    String s = j.getString(key);
    return s == null ? null : Instant.parse(s);
  }
}
