package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Problem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The collector's body limit, over real HTTP: as sent, chunked, and as inflated. */
class CollectorBodyLimitTest {
  private static final int LIMIT = 1024;

  private final Vertx vertx = Vertx.vertx();
  private final List<Problem> rejected = new CopyOnWriteArrayList<>();
  private HttpClient client;
  private int port;

  /** Status and body of one answer. */
  private record Answer(int status, String body) {
    String description() {
      return new JsonObject(body).getJsonArray("validationMessages").getJsonObject(0).getString("description");
    }
  }

  @BeforeEach
  void start() throws Exception {
    Router router = Router.router(vertx);
    router.post("/collect").handler(new BodyReader(LIMIT, rejected::add))
        .handler(rc -> rc.response().end(BodyReader.body(rc)));
    // As the collector's server: no decompression of its own.
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setDecompressionSupported(false))
        .requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
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

  private <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Answer post(byte[] body, String encoding) throws Exception {
    return await(client.request(HttpMethod.POST, port, "127.0.0.1", "/collect").compose(r -> {
      if (encoding != null) {
        r.putHeader("Content-Encoding", encoding);
      }
      return r.send(Buffer.buffer(body));
    }).compose(r -> r.body().map(b -> new Answer(r.statusCode(), b.toString(StandardCharsets.UTF_8)))));
  }

  static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  static byte[] deflate(byte[] data, boolean raw) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(Deflater.BEST_COMPRESSION, raw))) {
      d.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void gzipBodiesAreCappedAtTheLimitOnceInflatedNotInflatedWhole() throws Exception {
    // Finding "gzip request bodies are inflated before the size check": a small gzip body may inflate to any size.
    byte[] bomb = gzip(new byte[64 << 20]); // 64 MiB of zeros, about 64 KiB compressed
    Answer tooBig = post(gzip(new byte[LIMIT + 1]), "gzip");
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.description()).contains("too large once inflated: more than the " + LIMIT + " bytes");
    assertThat(rejected).extracting(Problem::reason).containsExactly(DropReason.BODY_TOO_LARGE);

    // A bomb: refused by its compressed size already, without inflating it.
    Answer bombAnswer = post(bomb, "gzip");
    assertThat(bombAnswer.status()).isEqualTo(413);
    assertThat(bombAnswer.description()).contains("too large").contains("more than the " + LIMIT + " bytes");
    // One that fits the limit compressed: inflated no further than the limit.
    byte[] dense = gzip(new byte[10 << 20]);
    byte[] fits = gzip(new byte[LIMIT * 800]);
    assertThat(fits.length).isLessThan(LIMIT);
    Answer inflated = post(fits, "gzip");
    assertThat(inflated.status()).isEqualTo(413);
    assertThat(inflated.description()).contains("too large once inflated: more than the " + LIMIT + " bytes");
    assertThat(BodyReader.inflate(dense, BodyReader.Coding.GZIP, LIMIT)).as("stops at limit + 1 bytes").isNull();

    String text = "en=page_view&ep.x=" + "y".repeat(900);
    assertThat(post(gzip(text.getBytes(StandardCharsets.UTF_8)), "gzip")).isEqualTo(new Answer(200, text));
    assertThat(post(gzip(text.getBytes(StandardCharsets.UTF_8)), "x-gzip")).isEqualTo(new Answer(200, text));
    assertThat(post(deflate(text.getBytes(StandardCharsets.UTF_8), false), "deflate")).isEqualTo(new Answer(200, text));
    assertThat(post(deflate(text.getBytes(StandardCharsets.UTF_8), true), "deflate")).as("raw DEFLATE")
        .isEqualTo(new Answer(200, text));
    assertThat(post(text.getBytes(StandardCharsets.UTF_8), null)).isEqualTo(new Answer(200, text));
    assertThat(post(new byte[LIMIT], null).status()).isEqualTo(200);
    assertThat(post(new byte[LIMIT + 1], null).status()).isEqualTo(413);

    assertThat(post("not gzip".getBytes(StandardCharsets.UTF_8), "gzip").status()).isEqualTo(400);
    Answer br = post(new byte[10], "br");
    assertThat(br.status()).as("an encoding the collector does not inflate").isEqualTo(415);
    assertThat(br.description()).contains("Content-Encoding");
  }

  @Test
  void chunkedBodiesOverTheLimitAreRefusedAndTheirConnectionClosed() throws Exception {
    // Finding "chunked bodies are not capped": a body without Content-Length, sent in chunks for ever.
    Promise<Void> closed = Promise.promise();
    AtomicLong sent = new AtomicLong();
    HttpClientRequest req = await(client.request(HttpMethod.POST, port, "127.0.0.1", "/collect"));
    req.setChunked(true);
    req.connection().closeHandler(v -> closed.tryComplete());
    long timer = vertx.setPeriodic(5, t -> {
      if (!closed.future().isComplete()) {
        req.write(Buffer.buffer(new byte[4096])).onSuccess(x -> sent.addAndGet(4096));
      }
    });
    HttpClientResponse response = await(req.response());
    assertThat(response.statusCode()).isEqualTo(413);
    await(closed.future()); // within the 10 s of await: the server stops reading and closes the connection
    vertx.cancelTimer(timer);
    assertThat(sent.get()).as("bytes the client got to send before the server closed the connection")
        .isLessThan(LIMIT + BodyReader.LINGER_BYTES + 4L * 1024 * 1024);
    assertThat(rejected).extracting(Problem::reason).containsExactly(DropReason.BODY_TOO_LARGE);
  }
}
