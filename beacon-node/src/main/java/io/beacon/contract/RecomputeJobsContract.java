package io.beacon.contract;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Request/reply, correction jobs ({@code beacon.recompute.jobs}): the query role's admin API starts, follows,
 * cancels and lists jobs ({@link RecomputeJobRequest}); a recompute instance answers with the job
 * ({@link RecomputeJob}) or the list ({@link RecomputeJobList}). Failures are {@link BusFailure}s carrying the
 * HTTP status, with the field ({@code {"field", "message"}} on the wire), as for {@link RecomputeReportContract}.
 */
public final class RecomputeJobsContract {
  private RecomputeJobsContract() {}

  public static final String ADDRESS = "beacon.recompute.jobs";
  /**
   * The recompute role's Ignite cache of ad-hoc reports (write-through to {@code report_cache}), by name: the
   * erasure drops a property's entries from it.
   */
  public static final String REPORTS_CACHE = "beacon-recompute-reports";
  private static final FailureForm FAILURES = FailureForm.FIELD_JSON;

  /** What the recompute role does with each request. */
  public interface Handler {
    Future<RecomputeJob> start(RecomputeJobRequest.Start request);

    Future<RecomputeJob> get(RecomputeJobRequest.Get request);

    Future<RecomputeJob> cancel(RecomputeJobRequest.Cancel request);

    Future<RecomputeJobList> list(RecomputeJobRequest.List request);

    Future<RecomputeJobList> history(RecomputeJobRequest.History request);
  }

  /**
   * Sends a request to one recompute instance; completes with its reply, or fails with the {@link BusFailure} it
   * answered (no recompute instance, or no answer in time: the event bus's
   * {@link io.vertx.core.eventbus.ReplyException}).
   */
  public static <R> Future<R> request(Vertx vertx, RecomputeJobRequest<R> request, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(ADDRESS, request.toJson(), options)
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(request.reply().apply(ar.result().body()))
            : Future.failedFuture(FAILURES.received(ar.cause())));
  }

  /** Answers the address with {@code handler}; see {@link RequestReply#serve} for failures. */
  public static MessageConsumer<JsonObject> serve(Vertx vertx, Handler handler) {
    return vertx.eventBus().<JsonObject>consumer(ADDRESS, msg -> RequestReply.answer(msg, () -> {
      RecomputeJobRequest<?> request = RecomputeJobRequest.fromJson(msg.body() == null ? new JsonObject() : msg.body());
      if (request instanceof RecomputeJobRequest.Start s) {
        return handler.start(s).map(RecomputeJob::toJson);
      } else if (request instanceof RecomputeJobRequest.Get g) {
        return handler.get(g).map(RecomputeJob::toJson);
      } else if (request instanceof RecomputeJobRequest.Cancel c) {
        return handler.cancel(c).map(RecomputeJob::toJson);
      } else if (request instanceof RecomputeJobRequest.List l) {
        return handler.list(l).map(RecomputeJobList::toJson);
      } else if (request instanceof RecomputeJobRequest.History h) {
        return handler.history(h).map(RecomputeJobList::toJson);
      }
      throw new IllegalStateException("unhandled recompute job request " + request);
    }, FAILURES));
  }
}
