package io.beacon.contract;

import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.function.Function;

/**
 * A request of {@link RecomputeJobsContract}: start a correction job, get one, cancel one, or list a property's.
 * On the wire an object whose {@code action} says which ({@code start|get|cancel|list}).
 *
 * @param <R> the reply: the job, or the list of jobs
 */
public sealed interface RecomputeJobRequest<R> {
  /** The request on the wire. */
  JsonObject toJson();

  /** How its reply reads from the wire. */
  Function<JsonObject, R> reply();

  /**
   * Start a job rebuilding the property's local days {@code from..to} (inclusive). The recompute role checks the
   * range (order, span, only days closed to the stream) and answers 400 naming the field.
   *
   * @param requestedBy who asked (the admin's email), shown with the job
   */
  record Start(String propertyId, ZoneId timeZone, LocalDate from, LocalDate to, String requestedBy)
      implements RecomputeJobRequest<RecomputeJob> {

    /**
     * A start request from values as an API client sent them ({@code from} and {@code to} are expected to be
     * {@code YYYY-MM-DD} strings).
     *
     * @throws BusFailure (400) naming the field that is missing or no date
     */
    public static Start of(String propertyId, ZoneId timeZone, Object from, Object to, String requestedBy) {
      return new Start(propertyId, timeZone, date(from, "from"), date(to, "to"), requestedBy);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "start").put("propertyId", propertyId).put("timeZone", timeZone.getId())
          .put("from", from.toString()).put("to", to.toString()).put("requestedBy", requestedBy);
    }

    @Override
    public Function<JsonObject, RecomputeJob> reply() {
      return RecomputeJob::fromJson;
    }

    static Start fromJson(JsonObject json) {
      ZoneId zone;
      try {
        zone = ZoneId.of(json.getString("timeZone", "UTC"));
      } catch (DateTimeException e) {
        throw BusFailure.badRequest("timeZone", "is not a time zone");
      }
      return new Start(json.getString("propertyId"), zone, date(json.getValue("from"), "from"),
          date(json.getValue("to"), "to"), json.getString("requestedBy"));
    }

    private static LocalDate date(Object v, String field) {
      if (!(v instanceof String s)) {
        throw BusFailure.badRequest(field, "is required (YYYY-MM-DD)");
      }
      try {
        return LocalDate.parse(s);
      } catch (DateTimeException e) {
        throw BusFailure.badRequest(field, "'" + s + "' is not a date (YYYY-MM-DD)");
      }
    }
  }

  /**
   * Rebuild the property's history from {@code from} to today because a setting that applies to history changed
   * ({@code reason}, e.g. {@code key-events}): the days already closed to the stream at once, the days still open
   * once they close. Answers the jobs queued.
   */
  record History(String propertyId, ZoneId timeZone, LocalDate from, String reason, String requestedBy)
      implements RecomputeJobRequest<RecomputeJobList> {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "history").put("propertyId", propertyId)
          .put("timeZone", timeZone.getId()).put("from", from.toString()).put("reason", reason)
          .put("requestedBy", requestedBy);
    }

    @Override
    public Function<JsonObject, RecomputeJobList> reply() {
      return RecomputeJobList::fromJson;
    }

    static History fromJson(JsonObject json) {
      Start range = Start.fromJson(json.copy().put("to", json.getValue("from")));
      return new History(range.propertyId(), range.timeZone(), range.from(), json.getString("reason", "settings"),
          range.requestedBy());
    }
  }

  /** Get one job (404 if there is none of that id). */
  record Get(String jobId) implements RecomputeJobRequest<RecomputeJob> {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "get").put("jobId", jobId);
    }

    @Override
    public Function<JsonObject, RecomputeJob> reply() {
      return RecomputeJob::fromJson;
    }
  }

  /** Ask a job to stop: a queued one is cancelled at once, a running one at its next step (404 if none). */
  record Cancel(String jobId) implements RecomputeJobRequest<RecomputeJob> {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "cancel").put("jobId", jobId);
    }

    @Override
    public Function<JsonObject, RecomputeJob> reply() {
      return RecomputeJob::fromJson;
    }
  }

  /** The property's latest jobs, newest first. */
  record List(String propertyId) implements RecomputeJobRequest<RecomputeJobList> {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "list").put("propertyId", propertyId);
    }

    @Override
    public Function<JsonObject, RecomputeJobList> reply() {
      return RecomputeJobList::fromJson;
    }
  }

  /**
   * Reads a request from the wire.
   *
   * @throws BusFailure (400) for an unknown action or a start request whose dates or time zone do not read
   */
  static RecomputeJobRequest<?> fromJson(JsonObject json) {
    String action = json.getString("action", "");
    return switch (action) {
      case "start" -> Start.fromJson(json);
      case "history" -> History.fromJson(json);
      case "get" -> new Get(json.getString("jobId", ""));
      case "cancel" -> new Cancel(json.getString("jobId", ""));
      case "list" -> new List(json.getString("propertyId", ""));
      default -> throw BusFailure.badRequest("action", "unknown action '" + action + "'");
    };
  }
}
