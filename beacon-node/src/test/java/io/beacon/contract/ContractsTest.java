package io.beacon.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.infra.config.Role;
import io.beacon.model.report.ReportEngine.Report;
import io.beacon.model.report.ReportEngine.Row;
import io.beacon.model.report.ReportMetric;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The event-bus contracts on a local (unclustered) event bus: the wire forms stay what senders and consumers of
 * the previous version exchange, typed requests and replies round-trip, and failures keep their HTTP status.
 */
class ContractsTest {
  private static final DeliveryOptions QUICK = new DeliveryOptions().setSendTimeout(5_000);
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    join(vertx.close());
  }

  private static <T> T join(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  private static <T> Throwable failure(Future<T> f) {
    return assertThatThrownBy(() -> join(f)).actual();
  }

  private static RecomputeJob job(String id, JobStatus status) {
    return new RecomputeJob(id, "B-1", LocalDate.of(2026, 1, 1), LocalDate.of(2026, 1, 3), ZoneId.of("Europe/Berlin"),
        "admin", "a@b.c", status, false, new RecomputeJob.Progress(1, 3, 0.333, 42, status == JobStatus.RUNNING ? 7L : null),
        Instant.parse("2026-01-10T10:00:00Z"), Instant.parse("2026-01-10T10:00:01Z"), null, null, null);
  }

  @Test
  void recomputeJobsTravelTypedAndTheirWireFormIsTheActionObject() throws Exception {
    MessageConsumer<JsonObject> consumer = RecomputeJobsContract.serve(vertx, new RecomputeJobsContract.Handler() {
      @Override
      public Future<RecomputeJob> start(RecomputeJobRequest.Start r) {
        assertThat(r.from()).isEqualTo(LocalDate.of(2026, 1, 1));
        return Future.succeededFuture(job("job-1", JobStatus.QUEUED));
      }

      @Override
      public Future<RecomputeJob> get(RecomputeJobRequest.Get r) {
        return r.jobId().equals("job-1") ? Future.succeededFuture(job("job-1", JobStatus.RUNNING))
            : Future.failedFuture(new BusFailure(404, "jobId", "no recompute job '" + r.jobId() + "'"));
      }

      @Override
      public Future<RecomputeJob> cancel(RecomputeJobRequest.Cancel r) {
        return Future.succeededFuture(job(r.jobId(), JobStatus.CANCELLED));
      }

      @Override
      public Future<RecomputeJobList> list(RecomputeJobRequest.List r) {
        return Future.succeededFuture(new RecomputeJobList(List.of(job("job-1", JobStatus.DONE))));
      }

      @Override
      public Future<RecomputeJobList> history(RecomputeJobRequest.History r) {
        assertThat(r.reason()).isEqualTo("key-events");
        return Future.succeededFuture(new RecomputeJobList(List.of(job("job-h", JobStatus.QUEUED))));
      }
    });
    join(consumer.completion());
    try {
      RecomputeJob started = join(RecomputeJobsContract.request(vertx, RecomputeJobRequest.Start.of("B-1",
          ZoneId.of("Europe/Berlin"), "2026-01-01", "2026-01-03", "a@b.c"), QUICK));
      assertThat(started).isEqualTo(job("job-1", JobStatus.QUEUED));
      assertThat(join(RecomputeJobsContract.request(vertx, new RecomputeJobRequest.Get("job-1"), QUICK)).status())
          .isEqualTo(JobStatus.RUNNING);
      assertThat(join(RecomputeJobsContract.request(vertx, new RecomputeJobRequest.Cancel("job-1"), QUICK)).status())
          .isEqualTo(JobStatus.CANCELLED);
      assertThat(join(RecomputeJobsContract.request(vertx, new RecomputeJobRequest.List("B-1"), QUICK)).jobs())
          .containsExactly(job("job-1", JobStatus.DONE));
      assertThat(join(RecomputeJobsContract.request(vertx, new RecomputeJobRequest.History("B-1",
          ZoneId.of("Europe/Berlin"), LocalDate.of(2026, 1, 1), "key-events", "a@b.c"), QUICK)).jobs())
          .containsExactly(job("job-h", JobStatus.QUEUED));
      BusFailure missing = (BusFailure) failure(RecomputeJobsContract.request(vertx, new RecomputeJobRequest.Get("x"), QUICK));
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.field()).isEqualTo("jobId");
      assertThat(missing.getMessage()).isEqualTo("no recompute job 'x'");

      // The wire form of the previous version: action strings, failures as {"field", "message"}.
      JsonObject raw = join(vertx.eventBus().<JsonObject>request(RecomputeJobsContract.ADDRESS, new JsonObject()
          .put("action", "get").put("jobId", "job-1"), QUICK)).body();
      assertThat(raw.getString("status")).isEqualTo("running");
      assertThat(raw.getJsonObject("progress").getLong("etaSeconds")).isEqualTo(7L);
      ReplyException unknown = (ReplyException) failure(vertx.eventBus().request(RecomputeJobsContract.ADDRESS,
          new JsonObject().put("action", "restart"), QUICK));
      assertThat(unknown.failureCode()).isEqualTo(400);
      assertThat(new JsonObject(unknown.getMessage())).isEqualTo(new JsonObject().put("field", "action")
          .put("message", "action: unknown action 'restart'"));
      ReplyException noDate = (ReplyException) failure(vertx.eventBus().request(RecomputeJobsContract.ADDRESS,
          new JsonObject().put("action", "start").put("propertyId", "B-1").put("from", 20260101), QUICK));
      assertThat(new JsonObject(noDate.getMessage()).getString("field")).isEqualTo("from");
      assertThat(new JsonObject(noDate.getMessage()).getString("message")).isEqualTo("from: is required (YYYY-MM-DD)");
      ReplyException badZone = (ReplyException) failure(vertx.eventBus().request(RecomputeJobsContract.ADDRESS,
          new JsonObject().put("action", "start").put("timeZone", "Mars/Olympus").put("from", "2026-01-01")
              .put("to", "2026-01-02"), QUICK));
      assertThat(new JsonObject(badZone.getMessage()).getString("field")).isEqualTo("timeZone");
    } finally {
      join(consumer.unregister());
    }
    assertThatThrownBy(() -> RecomputeJobRequest.Start.of("B-1", ZoneId.of("UTC"), "2026-01-01", "01/02/2026", null))
        .isInstanceOf(BusFailure.class).hasMessage("to: '01/02/2026' is not a date (YYYY-MM-DD)");
    assertThat(new RecomputeJobRequest.Start("B-1", ZoneId.of("UTC"), LocalDate.of(2026, 1, 1), LocalDate.of(2026, 1, 2),
        "a@b.c").toJson().fieldNames()).containsExactly("action", "propertyId", "timeZone", "from", "to", "requestedBy");
  }

  @Test
  void aJobKeepsTheJsonTheApiShows() {
    JsonObject j = job("job-1", JobStatus.RUNNING).toJson();
    assertThat(j.fieldNames()).containsExactly("jobId", "propertyId", "from", "to", "timeZone", "reason", "requestedBy",
        "status", "cancelRequested", "progress", "createdAt", "startedAt");
    assertThat(j.getJsonObject("progress").encode())
        .isEqualTo("{\"daysDone\":1,\"daysTotal\":3,\"fraction\":0.333,\"hitsScanned\":42,\"etaSeconds\":7}");
    assertThat(RecomputeJob.fromJson(new JsonObject(j.encode()))).isEqualTo(job("job-1", JobStatus.RUNNING));
    RecomputeJob bare = new RecomputeJob("j", "p", LocalDate.of(2026, 1, 1), LocalDate.of(2026, 1, 1), ZoneId.of("UTC"),
        "late-hits", null, JobStatus.QUEUED, false, new RecomputeJob.Progress(0, 1, 0.0, 0, null), null, null, null,
        Instant.parse("2026-01-05T00:10:00Z"), null);
    assertThat(bare.toJson().encode()).contains("\"requestedBy\":null").contains("\"createdAt\":null")
        .contains("\"notBefore\":\"2026-01-05T00:10:00Z\"");
    assertThat(RecomputeJob.fromJson(new JsonObject(bare.toJson().encode()))).isEqualTo(bare);
    for (JobStatus s : JobStatus.values()) {
      assertThat(JobStatus.ofWire(s.wire())).isSameAs(s);
    }
    assertThat(JobStatus.CANCELLED.wire()).isEqualTo("cancelled");
  }

  @Test
  void recomputeReportsCarryTheReportAndFailWithTheirStatus() throws Exception {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("dataSource", "recompute");
    Report report = new Report(List.of("country"), List.of(ReportMetric.values()[0]),
        List.of(new Row(List.of("DE"), List.of(3L))), 1, metadata);
    List<RecomputeReportContract.Request> received = new ArrayList<>();
    MessageConsumer<JsonObject> consumer = RecomputeReportContract.CONTRACT.serve(vertx, r -> {
      received.add(r);
      return r.propertyId().equals("B-FULL") ? Future.failedFuture(new BusFailure(429, "", "queue full"))
          : Future.succeededFuture(report);
    });
    join(consumer.completion());
    try {
      JsonObject body = new JsonObject().put("dimensions", new io.vertx.core.json.JsonArray());
      RecomputeReportContract.Request request = new RecomputeReportContract.Request("B-1", ZoneId.of("Asia/Tokyo"),
          LocalDate.of(2026, 2, 1), body);
      Report back = join(RecomputeReportContract.CONTRACT.request(vertx, request, QUICK));
      assertThat(back.rows()).hasSize(1);
      assertThat(back.dimensionHeaders()).containsExactly("country");
      assertThat(received.get(0)).isEqualTo(request);
      BusFailure full = (BusFailure) failure(RecomputeReportContract.CONTRACT.request(vertx,
          new RecomputeReportContract.Request("B-FULL", ZoneId.of("UTC"), LocalDate.of(2026, 2, 1), body), QUICK));
      assertThat(full.status()).isEqualTo(429);
      assertThat(full.field()).isEmpty();
      assertThat(full.getMessage()).isEqualTo("queue full");
      ReplyException malformed = (ReplyException) failure(vertx.eventBus().request(
          RecomputeReportContract.CONTRACT.address(), new JsonObject().put("propertyId", "B-1").put("timeZone", "UTC")
              .put("today", "yesterday").put("request", body), QUICK));
      assertThat(malformed.failureCode()).isEqualTo(400);
      assertThat(new JsonObject(malformed.getMessage()).getString("message")).startsWith(": malformed recompute request");
    } finally {
      join(consumer.unregister());
    }
    assertThat(new RecomputeReportContract.Request("B-1", ZoneId.of("UTC"), LocalDate.of(2026, 2, 1), new JsonObject())
        .toJson().fieldNames()).containsExactly("propertyId", "timeZone", "today", "request");
  }

  @Test
  void noConsumerOrNoAnswerStaysAReplyException() {
    Throwable e = failure(RawErasureContract.CONTRACT.request(vertx, new RawErasureContract.Request("B-1",
        RawErasureContract.IdKind.CLIENT_ID, "c", "admin@example.com"), QUICK));
    assertThat(e).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) e).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
  }

  @Test
  void erasureAndSnapshotFailuresArePlainMessages() throws Exception {
    MessageConsumer<JsonObject> erasure = RawErasureContract.CONTRACT.serve(vertx, r -> r.id().equals("busy")
        ? Future.failedFuture(new BusFailure(409, "", "another erasure is running; retry later"))
        : Future.succeededFuture(new RawErasureContract.Result(r.propertyId(), r.kind(), 12, 2, 1, 0,
            "2026-02-01T00:00:00Z", null)));
    MessageConsumer<JsonObject> snapshots = RealtimeContract.SNAPSHOT.serve(vertx, r -> Future.succeededFuture(
        new RealtimeSnapshot(r.propertyId(), 1L, 30, 0, 0, 0, List.of(), List.of(), List.of(), List.of(), List.of(),
            null)));
    join(erasure.completion());
    join(snapshots.completion());
    try {
      assertThat(join(RawErasureContract.CONTRACT.request(vertx, new RawErasureContract.Request("B-1",
          RawErasureContract.IdKind.USER_ID, "u-1", "admin@example.com"), QUICK)))
          .isEqualTo(new RawErasureContract.Result("B-1", RawErasureContract.IdKind.USER_ID, 12, 2, 1, 0,
              "2026-02-01T00:00:00Z", null));
      assertThat(join(vertx.eventBus().<JsonObject>request(RawErasureContract.CONTRACT.address(),
          new JsonObject().put("propertyId", "B-1").put("clientId", "c-1"), QUICK)).body().encode())
          .isEqualTo("{\"propertyId\":\"B-1\",\"idKind\":\"clientId\",\"rowsErased\":12,\"partitions\":2,"
              + "\"firstVisitsDeleted\":1,\"reportsDropped\":0,\"erasedAt\":\"2026-02-01T00:00:00Z\","
              + "\"historyRecompute\":null}");
      ReplyException none = (ReplyException) failure(vertx.eventBus().request(RawErasureContract.CONTRACT.address(),
          new JsonObject().put("propertyId", "B-1"), QUICK));
      assertThat(none.failureCode()).isEqualTo(400);
      assertThat(none.getMessage()).isEqualTo("clientId or userId is required");
      ReplyException both = (ReplyException) failure(vertx.eventBus().request(RawErasureContract.CONTRACT.address(),
          new JsonObject().put("propertyId", "B-1").put("clientId", "c").put("userId", "u"), QUICK));
      assertThat(both.failureCode()).isEqualTo(400);
      BusFailure busy = (BusFailure) failure(RawErasureContract.CONTRACT.request(vertx,
          new RawErasureContract.Request("B-1", RawErasureContract.IdKind.CLIENT_ID, "busy", null), QUICK));
      assertThat(busy.status()).isEqualTo(409);
      assertThat(busy.getMessage()).isEqualTo("another erasure is running; retry later");

      assertThat(join(RealtimeContract.SNAPSHOT.request(vertx, new RealtimeContract.SnapshotRequest("B-9"), QUICK))
          .propertyId()).isEqualTo("B-9");
      ReplyException blank = (ReplyException) failure(vertx.eventBus().request(RealtimeContract.SNAPSHOT.address(),
          new JsonObject().put("propertyId", " "), QUICK));
      assertThat(blank.failureCode()).isEqualTo(400);
      assertThat(blank.getMessage()).isEqualTo("propertyId is required");
    } finally {
      join(erasure.unregister());
      join(snapshots.unregister());
    }
  }

  @Test
  void roleStatusAndRealtimeUpdates() throws Exception {
    MessageConsumer<JsonObject> status = join(RoleStatus.register(vertx, Role.BRIDGE, "node-a", "dep-1"));
    List<RealtimeSnapshot> updates = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> sub = RealtimeContract.UPDATES.subscribe(vertx, "B-7", updates::add);
    join(sub.completion());
    try {
      assertThat(join(RoleStatus.of(Role.BRIDGE).request(vertx, new RoleStatus.Ask(), QUICK)))
          .isEqualTo(new RoleStatus.Instance(Role.BRIDGE, "node-a", "dep-1"));
      assertThat(join(vertx.eventBus().<JsonObject>request("beacon.bridge.status", new JsonObject(), QUICK)).body()
          .encode()).isEqualTo("{\"role\":\"bridge\",\"node\":\"node-a\",\"deploymentId\":\"dep-1\"}");
      RealtimeSnapshot snap = new RealtimeSnapshot("B-7", 60_000L, 30, 1, 2, 3,
          List.of(new RealtimeSnapshot.Minute(0L, 1, 2, 3)), List.of(new RealtimeSnapshot.Top("/", 2)), List.of(),
          List.of(), List.of(), null).withPublishedAt(61_000L);
      RealtimeContract.UPDATES.publish(vertx, snap);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !updates.isEmpty());
      assertThat(updates).containsExactly(snap);
      assertThat(RealtimeContract.UPDATES.address("B-7")).isEqualTo("beacon.realtime.B-7");
    } finally {
      join(status.unregister());
      join(sub.unregister());
    }
  }
}
