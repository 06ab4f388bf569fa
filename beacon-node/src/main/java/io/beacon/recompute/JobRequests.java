package io.beacon.recompute;

import io.beacon.api.ApiException;
import io.beacon.contract.RecomputeJob;
import io.beacon.contract.RecomputeJobList;
import io.beacon.contract.RecomputeJobRequest;
import io.beacon.model.aggregation.Lateness;
import io.beacon.model.report.ReportRequest;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The job requests of {@link io.beacon.contract.RecomputeJobsContract}: start (validated: order, span, and only
 * days closed to the stream, since rebuilding a day the stream still adds to would count a hit twice; the dates
 * and time zone were read by the contract), get, cancel, list, and the history rebuilt after a setting that
 * applies to history changed. Failures are {@link ApiException}s naming the
 * field.
 */
final class JobRequests {
  private static final Duration SETTLE = Duration.ofMinutes(10);
  private final Jobs jobs;
  private final Runnable onNewJob;

  JobRequests(Jobs jobs, Runnable onNewJob) {
    this.jobs = jobs;
    this.onNewJob = onNewJob;
  }

  Future<RecomputeJob> get(RecomputeJobRequest.Get request) {
    Instant now = Instant.now();
    return jobs.get(request.jobId()).map(j -> j.orElseThrow(() -> notFound(request.jobId())).toView(now));
  }

  Future<RecomputeJob> cancel(RecomputeJobRequest.Cancel request) {
    Instant now = Instant.now();
    return jobs.cancel(request.jobId()).map(j -> j.orElseThrow(() -> notFound(request.jobId())).toView(now));
  }

  Future<RecomputeJobList> list(RecomputeJobRequest.List request) {
    Instant now = Instant.now();
    return jobs.ofProperty(request.propertyId(), 50)
        .map(list -> new RecomputeJobList(list.stream().map(j -> j.toView(now)).toList()));
  }

  private static ApiException notFound(String jobId) {
    return new ApiException(404, "jobId", "no recompute job '" + jobId + "'");
  }

  /**
   * Queues the jobs that rebuild a property's history from {@code from} through today: the days already closed to
   * the stream in jobs of at most {@link ReportRequest#MAX_RANGE_DAYS} days that run now, the days still open in one
   * job that waits until the last of them closes (rebuilding a day the stream still adds to would count a hit
   * twice; until then the stream counts new hits by the new settings already).
   */
  Future<RecomputeJobList> history(RecomputeJobRequest.History request) {
    Instant now = Instant.now();
    ZoneId zone = request.timeZone();
    LocalDate today = LocalDate.ofInstant(now, zone);
    LocalDate firstOpen = today;
    while (closedAt(firstOpen.minusDays(1), zone).isAfter(now)) {
      firstOpen = firstOpen.minusDays(1);
    }
    List<Future<Job>> created = new ArrayList<>();
    String batch = UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    LocalDate from = request.from().isAfter(today) ? today : request.from();
    for (LocalDate start = from; start.isBefore(firstOpen); start = start.plusDays(ReportRequest.MAX_RANGE_DAYS)) {
      LocalDate end = start.plusDays(ReportRequest.MAX_RANGE_DAYS - 1L);
      end = end.isBefore(firstOpen) ? end : firstOpen.minusDays(1);
      created.add(jobs.create(request.reason() + "-" + batch + "-" + start, request.propertyId(), zone, start, end,
          request.reason(), request.requestedBy(), null));
    }
    LocalDate openFrom = from.isAfter(firstOpen) ? from : firstOpen;
    created.add(jobs.create(request.reason() + "-" + batch + "-" + openFrom, request.propertyId(), zone, openFrom,
        today, request.reason(), request.requestedBy(), closedAt(today, zone)));
    return Future.all(created).onSuccess(v -> onNewJob.run())
        .map(all -> new RecomputeJobList(created.stream().map(f -> f.result().toView(now)).toList()));
  }

  /** When {@code day} closes to the stream: the 72 h lateness window after its end, and the settle time. */
  private static Instant closedAt(LocalDate day, ZoneId zone) {
    return day.plusDays(1).atStartOfDay(zone).toInstant().plus(Lateness.MAX_LATENESS).plus(SETTLE);
  }

  Future<RecomputeJob> start(RecomputeJobRequest.Start request) {
    Instant now = Instant.now();
    LocalDate from = request.from();
    LocalDate to = request.to();
    if (to.isBefore(from)) {
      return Future.failedFuture(ApiException.badRequest("to", "is before from (" + from + ")"));
    }
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    if (days > ReportRequest.MAX_RANGE_DAYS) {
      return Future.failedFuture(ApiException.badRequest("to", "the range spans " + days + " days; at most "
          + ReportRequest.MAX_RANGE_DAYS + " per job"));
    }
    Instant closedAt = closedAt(to, request.timeZone());
    if (closedAt.isAfter(now)) {
      return Future.failedFuture(ApiException.badRequest("to", to + " is still open to late hits (the stream"
          + " counts hits up to 72 h late) until " + closedAt + "; recompute closed days only"));
    }
    String id = "job-" + UUID.randomUUID().toString().substring(0, 13).toLowerCase(Locale.ROOT);
    return jobs.create(id, request.propertyId(), request.timeZone(), from, to, "admin", request.requestedBy(), null)
        .onSuccess(j -> onNewJob.run())
        .map(j -> j.toView(now));
  }
}
