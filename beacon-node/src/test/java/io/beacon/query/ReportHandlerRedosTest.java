package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.model.report.AggregatePlan;
import io.beacon.model.report.AggregateRow;
import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.DimensionFilter;
import io.beacon.model.report.ReportEngine;
import io.beacon.model.report.ReportMetric;
import io.beacon.model.report.ReportRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Finding "ReDoS on an event loop": a report's filters match client-supplied patterns against tracked values, so
 * the query role evaluates reports on its worker pool, never on the event loop that serves every other connection.
 */
class ReportHandlerRedosTest {
  private static final ZoneId ZONE = ZoneOffset.UTC;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Where a filter ran: the thread's name and whether it was an event loop. */
  private record Seen(String thread, boolean eventLoop, boolean worker) {}

  @Test
  void reportEngineRunsOffTheEventLoop() throws Exception {
    WorkerExecutor workers = vertx.createSharedWorkerExecutor(ReportHandler.WORKERS, 2);
    ReportHandler handler = new ReportHandler(vertx, workers, null, null, new SimpleMeterRegistry(), null, 1_000);
    List<Seen> filtered = new CopyOnWriteArrayList<>();
    LocalDate day = LocalDate.of(2026, 1, 1);
    ReportRequest request = new ReportRequest(List.of(new DateRangeSpec("date_range_0", day, day)),
        List.of("pagePath"), List.of(ReportMetric.EVENT_COUNT),
        new DimensionFilter.Leaf("pagePath", v -> {
          filtered.add(new Seen(Thread.currentThread().getName(), Context.isOnEventLoopThread(),
              Context.isOnWorkerThread()));
          return v.startsWith("/a");
        }), List.of(), 10, 0);
    long start = day.atStartOfDay(ZONE).toInstant().toEpochMilli();
    // One event each: a row whose metrics are all 0 is left out (GA's keepEmptyRows: false).
    List<AggregateRow> rows = List.of(new AggregateRow(0, start, "/a", MetricState.of(0, 1, 0, 0, 0, 0, null, null, null)),
        new AggregateRow(0, start, "/b", MetricState.of(0, 1, 0, 0, 0, 0, null, null, null)));

    CompletableFuture<ReportEngine.Report> report = new CompletableFuture<>();
    CompletableFuture<Seen> completedOn = new CompletableFuture<>();
    // Called as runReport calls it: from the query verticle's event loop.
    vertx.getOrCreateContext().runOnContext(v -> {
      assertThat(Context.isOnEventLoopThread()).isTrue();
      handler.evaluate(request, new AggregatePlan("pagePath", Granularity.DAY), rows, ZONE).onComplete(ar -> {
        completedOn.complete(new Seen(Thread.currentThread().getName(), Context.isOnEventLoopThread(), false));
        if (ar.succeeded()) {
          report.complete(ar.result());
        } else {
          report.completeExceptionally(ar.cause());
        }
      });
    });

    assertThat(report.get(10, TimeUnit.SECONDS).rows()).extracting(ReportEngine.Row::dimensions)
        .containsExactly(List.of("/a"));
    assertThat(filtered).hasSize(2).allSatisfy(seen -> {
      assertThat(seen.eventLoop()).isFalse();
      assertThat(seen.worker()).isTrue();
      assertThat(seen.thread()).startsWith(ReportHandler.WORKERS);
    });
    // The answer is written back on the event loop, as before.
    assertThat(completedOn.get(10, TimeUnit.SECONDS).eventLoop()).isTrue();
  }
}
