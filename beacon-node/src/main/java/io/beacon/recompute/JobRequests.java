package io.beacon.recompute;

import io.beacon.model.aggregation.Lateness;
import io.beacon.api.ApiException;
import io.beacon.model.report.ReportRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;

/**
 * The job actions of {@code Addresses.recomputeJobs()}: start (validated: dates, order, span, and only days
 * closed to the stream, since rebuilding a day the stream still adds to would count a hit twice), get, cancel,
 * list. Failures are {@link ApiException}s naming the field.
 */
final class JobRequests {
  private static final Duration SETTLE = Duration.ofMinutes(10);
  private final Jobs jobs;
  private final Runnable onNewJob;

  JobRequests(Jobs jobs, Runnable onNewJob) {
    this.jobs = jobs;
    this.onNewJob = onNewJob;
  }

  Future<JsonObject> handle(JsonObject msg) {
    Instant now = Instant.now();
    String action = msg.getString("action", "");
    return switch (action) {
      case "start" -> start(msg, now);
      case "get" -> jobs.get(msg.getString("jobId", "")).map(j -> j.orElseThrow(() -> notFound(msg)).toJson(now));
      case "cancel" -> jobs.cancel(msg.getString("jobId", "")).map(j -> j.orElseThrow(() -> notFound(msg)).toJson(now));
      case "list" -> jobs.ofProperty(msg.getString("propertyId", ""), 50).map(list -> {
        JsonArray out = new JsonArray();
        list.forEach(j -> out.add(j.toJson(now)));
        return new JsonObject().put("jobs", out);
      });
      default -> Future.failedFuture(ApiException.badRequest("action", "unknown action '" + action + "'"));
    };
  }

  private static ApiException notFound(JsonObject msg) {
    return new ApiException(404, "jobId", "no recompute job '" + msg.getString("jobId") + "'");
  }

  private Future<JsonObject> start(JsonObject msg, Instant now) {
    String propertyId = msg.getString("propertyId");
    ZoneId zone;
    LocalDate from;
    LocalDate to;
    try {
      zone = ZoneId.of(msg.getString("timeZone", "UTC"));
      from = date(msg, "from");
      to = date(msg, "to");
    } catch (ApiException e) {
      return Future.failedFuture(e);
    } catch (DateTimeException e) {
      return Future.failedFuture(ApiException.badRequest("timeZone", "is not a time zone"));
    }
    if (to.isBefore(from)) {
      return Future.failedFuture(ApiException.badRequest("to", "is before from (" + from + ")"));
    }
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    if (days > ReportRequest.MAX_RANGE_DAYS) {
      return Future.failedFuture(ApiException.badRequest("to", "the range spans " + days + " days; at most "
          + ReportRequest.MAX_RANGE_DAYS + " per job"));
    }
    Instant closedAt = to.plusDays(1).atStartOfDay(zone).toInstant().plus(Lateness.MAX_LATENESS).plus(SETTLE);
    if (closedAt.isAfter(now)) {
      return Future.failedFuture(ApiException.badRequest("to", to + " is still open to late hits (the stream"
          + " counts hits up to 72 h late) until " + closedAt + "; recompute closed days only"));
    }
    String id = "job-" + UUID.randomUUID().toString().substring(0, 13).toLowerCase(Locale.ROOT);
    return jobs.create(id, propertyId, zone, from, to, "admin", msg.getString("requestedBy"), null)
        .onSuccess(j -> onNewJob.run())
        .map(j -> j.toJson(now));
  }

  private static LocalDate date(JsonObject msg, String field) {
    Object v = msg.getValue(field);
    if (!(v instanceof String s)) {
      throw ApiException.badRequest(field, "is required (YYYY-MM-DD)");
    }
    try {
      return LocalDate.parse(s);
    } catch (DateTimeException e) {
      throw ApiException.badRequest(field, "'" + s + "' is not a date (YYYY-MM-DD)");
    }
  }
}
