package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the collector answers for a request's outcome, over real HTTP. */
class CollectorResponsesTest {
  private static final int SPOOL_RETRY_AFTER = 30;

  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<Ingest.Outcome> outcome = new AtomicReference<>();
  private final AtomicReference<Boolean> debug = new AtomicReference<>(false);
  private HttpClient client;
  private int port;

  /** Status, Retry-After and body of one answer. */
  private record Answer(int status, String retryAfter, JsonObject body) {}

  @BeforeEach
  void start() throws Exception {
    Router router = Router.router(vertx);
    // The body is read first, as on every collector route (a request left paused would stall the connection).
    router.route("/collect").handler(rc -> {
      rc.request().body().onComplete(b -> rc.next());
      rc.request().resume();
    })
        .handler(rc -> Responses.respond(rc, outcome.get(), debug.get(), SPOOL_RETRY_AFTER));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = server.actualPort();
    // One connection per request: twice today (2026-12-07) a request reusing the pooled connection of an error
    // answer (503, 413) got no answer within 10 s, once per several runs; under investigation (a client pool race
    // is suspected: the server answered the same requests at once on fresh connections). Senders in the field
    // (browsers, MP clients) are not Vert.x's client.
    client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Answer answer(Ingest.Outcome out) throws Exception {
    outcome.set(out);
    return client.request(HttpMethod.POST, port, "127.0.0.1", "/collect")
        .compose(r -> r.send())
        .compose((HttpClientResponse r) -> r.body().map(b -> new Answer(r.statusCode(), r.getHeader("Retry-After"),
            b.length() == 0 ? new JsonObject() : b.toJsonObject())))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Ingest.Outcome outcome(int accepted, Problem... problems) {
    Ingest.Outcome out = new Ingest.Outcome();
    out.accepted = accepted;
    for (Problem p : problems) {
      out.problems.add(p);
      if (p.reason() == DropReason.SPOOL_FULL) {
        out.spoolFull = true;
      }
    }
    return out;
  }

  private static Problem internal() {
    return Problem.rejected("", "the hit could not be taken; retry later", DropReason.INTERNAL);
  }

  private static Problem spoolFull() {
    return Problem.rejected("", "the collector cannot take hits right now, retry later", DropReason.SPOOL_FULL);
  }

  @Test
  void aRequestWithSomeAcceptedAndSomeFailedHitsAnswers503SoBatchSendersRetry() throws Exception {
    // Finding "a request with some accepted and some failed hits (spool full, Ignite or Kafka failure) answers 200,
    // so MP and UA batch senders never retry the failed ones".
    Answer kafka = answer(outcome(3, internal()));
    assertThat(kafka.status()).as("one hit of four failed in Ignite or Kafka").isEqualTo(503);
    assertThat(kafka.retryAfter()).isEqualTo("1");
    assertThat(kafka.body().getInteger("accepted")).isEqualTo(3);
    assertThat(kafka.body().getJsonArray("validationMessages")).hasSize(1);

    Answer spool = answer(outcome(2, spoolFull(), spoolFull()));
    assertThat(spool.status()).as("two of four refused by a full spool").isEqualTo(503);
    assertThat(spool.retryAfter()).isEqualTo(Integer.toString(SPOOL_RETRY_AFTER));

    Answer mixed = answer(outcome(1, Problem.required("cid"), internal()));
    assertThat(mixed.status()).as("a failed hit beside a bad one: the request is still worth sending again")
        .isEqualTo(503);
  }

  @Test
  void permanentProblemsKeepTheirAnswers() throws Exception {
    Answer partial = answer(outcome(2, Problem.required("cid")));
    assertThat(partial.status()).as("a bad hit beside good ones: retrying would not help").isEqualTo(200);
    assertThat(partial.retryAfter()).isNull();
    assertThat(partial.body().getInteger("accepted")).isEqualTo(2);

    assertThat(answer(outcome(0, Problem.required("cid"))).status()).isEqualTo(400);
    assertThat(answer(outcome(3)).status()).isEqualTo(204);

    Ingest.Outcome limited = outcome(0, Problem.rejected("cid", "too many", DropReason.RATE_LIMITED));
    limited.retryAfterSeconds = 7;
    Answer all = answer(limited);
    assertThat(all.status()).isEqualTo(429);
    assertThat(all.retryAfter()).isEqualTo("7");

    Ingest.Outcome bad = outcome(0, Problem.rejected("api_secret", "no", DropReason.BAD_SECRET));
    bad.authStatus = 403;
    assertThat(answer(bad).status()).isEqualTo(403);

    Answer alone = answer(outcome(0, internal()));
    assertThat(alone.status()).isEqualTo(503);
    assertThat(alone.retryAfter()).isEqualTo("1");
  }

  @Test
  void theDebugEndpointAlwaysAnswers200WithItsValidationMessages() throws Exception {
    debug.set(true);
    Answer a = answer(outcome(1, internal()));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.retryAfter()).isNull();
    assertThat(a.body().getJsonArray("validationMessages")).hasSize(1);
    assertThat(answer(outcome(1)).body().getJsonArray("validationMessages")).isEmpty();
  }
}
