package io.beacon.collector;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.ValidationCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Reads a collector request's body, never more than the endpoint's limit, compressed or not: the collector's
 * server does not inflate bodies itself (Netty's decompressor would inflate each chunk whole before any size check
 * could see it, and takes encodings such as zstd whose ratios have no bound), so this handler does. It refuses
 * with 413, and closes the connection (the rest of the body is never read), a body that declares ({@code
 * Content-Length}) or sends (chunked or not) more than {@code limit} bytes, or that inflates to more than {@code
 * limit} bytes: {@code gzip} and {@code deflate} (zlib or raw) bodies are inflated into at most {@code limit} + 1
 * bytes, so a compression bomb costs no more memory or time than a plain body of the limit. Other encodings are
 * refused with 415, a body that is not valid in its encoding with 400. The body is then {@link #body}.
 */
final class BodyReader implements Handler<RoutingContext> {
  private static final String BODY = "beacon.collector.body";
  private static final int INFLATE_CHUNK = 8192;
  /** How much of a refused body's rest is read and dropped before the connection is closed, and for how long. */
  static final int LINGER_BYTES = 1 << 20;
  static final long LINGER_MS = 2_000;

  private final int limit;
  private final Consumer<Problem> rejected;

  /**
   * @param limit the endpoint's body limit, in bytes, as sent and as inflated
   * @param rejected counts a refused request ({@code beacon_collector_rejected_total})
   */
  BodyReader(int limit, Consumer<Problem> rejected) {
    this.limit = limit;
    this.rejected = rejected;
  }

  /** The request's body as read (inflated), empty when it had none. */
  static Buffer body(RoutingContext rc) {
    Buffer b = rc.get(BODY);
    return b == null ? Buffer.buffer() : b;
  }

  enum Coding { IDENTITY, GZIP, DEFLATE }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    String ce = req.getHeader("Content-Encoding");
    String encoding = ce == null ? "identity" : ce.trim().toLowerCase(Locale.ROOT);
    Coding coding = switch (encoding) {
      case "", "identity" -> Coding.IDENTITY;
      case "gzip", "x-gzip" -> Coding.GZIP;
      case "deflate", "x-deflate" -> Coding.DEFLATE;
      default -> null;
    };
    if (coding == null) {
      refuse(rc, 415, new Problem("Content-Encoding", "unsupported Content-Encoding " + Problem.quote(ce)
          + ", use gzip, deflate or none", ValidationCode.VALUE_INVALID, DropReason.UNSUPPORTED_MEDIA_TYPE), true);
      return;
    }
    if (req.isEnded()) {
      rc.put(BODY, Buffer.buffer());
      rc.next();
      return;
    }
    long declared = contentLength(req);
    if (declared > limit) {
      tooLarge(rc, "request body too large: " + declared + " bytes, more than the " + limit + " bytes "
          + req.path() + " takes");
      return;
    }
    if (req.version() != HttpVersion.HTTP_1_0 && "100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      req.response().writeContinue();
    }
    Buffer raw = Buffer.buffer(declared > 0 ? (int) declared : 1024);
    boolean[] done = {false};
    req.handler(chunk -> {
      if (done[0]) {
        return;
      }
      if ((long) raw.length() + chunk.length() > limit) {
        done[0] = true;
        tooLarge(rc, "request body too large: more than the " + limit + " bytes " + req.path() + " takes");
        return;
      }
      raw.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> {
      if (!done[0]) {
        done[0] = true;
        rc.fail(400, e);
      }
    });
    req.endHandler(v -> {
      if (done[0]) {
        return;
      }
      done[0] = true;
      if (coding == Coding.IDENTITY || raw.length() == 0) {
        rc.put(BODY, raw);
        rc.next();
        return;
      }
      Buffer inflated;
      try {
        inflated = inflate(raw.getBytes(), coding, limit);
      } catch (IOException e) {
        refuse(rc, 400, Problem.rejected("", "request body is not valid " + encoding + " data", DropReason.MALFORMED_BODY),
            false);
        return;
      }
      if (inflated == null) {
        tooLarge(rc, "request body too large once inflated: more than the " + limit + " bytes " + req.path()
            + " takes");
        return;
      }
      rc.put(BODY, inflated);
      rc.next();
    });
    req.resume();
  }

  /**
   * The inflated body, or null once it passes {@code limit} bytes (inflating stops there: at most {@code limit} + 1
   * bytes are ever produced).
   */
  static Buffer inflate(byte[] compressed, Coding coding, int limit) throws IOException {
    Inflater inflater = null;
    InputStream in;
    if (coding == Coding.GZIP) {
      in = new GZIPInputStream(new ByteArrayInputStream(compressed), INFLATE_CHUNK);
    } else {
      // HTTP's "deflate" is zlib (RFC 9110), but some senders send raw DEFLATE: a zlib header tells them apart.
      boolean zlib = compressed.length >= 2 && (compressed[0] & 0x0f) == 8
          && (((compressed[0] & 0xff) << 8) | (compressed[1] & 0xff)) % 31 == 0;
      inflater = new Inflater(!zlib);
      in = new InflaterInputStream(new ByteArrayInputStream(compressed), inflater, INFLATE_CHUNK);
    }
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit + 1, compressed.length * 4));
      byte[] chunk = new byte[INFLATE_CHUNK];
      int n;
      while ((n = in.read(chunk, 0, Math.min(chunk.length, limit + 1 - out.size()))) > 0) {
        out.write(chunk, 0, n);
        if (out.size() > limit) {
          return null;
        }
      }
      return Buffer.buffer(out.toByteArray());
    } finally {
      if (inflater != null) {
        inflater.end();
      }
    }
  }

  private static long contentLength(HttpServerRequest req) {
    String cl = req.getHeader("Content-Length");
    try {
      return cl == null ? -1 : Long.parseLong(cl.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void tooLarge(RoutingContext rc, String description) {
    refuse(rc, 413, new Problem("", description, ValidationCode.VALUE_OUT_OF_BOUNDS, DropReason.BODY_TOO_LARGE), true);
  }

  /**
   * Answers the problem. With {@code close}, the rest of the body is not kept, nor inflated: up to {@link
   * #LINGER_BYTES} more of it are read and dropped for up to {@link #LINGER_MS} after the answer (a client still
   * sending a body a little over the limit then reads the 413 rather than a reset connection), and the connection is
   * closed then, or as soon as the request ends.
   */
  private void refuse(RoutingContext rc, int status, Problem p, boolean close) {
    rejected.accept(p);
    HttpServerRequest req = rc.request();
    Future<Void> written = Future.succeededFuture();
    if (!rc.response().ended() && !rc.response().headWritten()) {
      if (close) {
        rc.response().putHeader("Connection", "close");
      }
      written = rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(Responses.problems(List.of(p)).encode());
    }
    if (!close) {
      return;
    }
    boolean[] closed = {false};
    Future<Void> answered = written;
    Runnable closeOnce = () -> answered.onComplete(v -> {
      if (!closed[0]) {
        closed[0] = true;
        if (req.connection() != null) {
          req.connection().close();
        }
      }
    });
    if (req.isEnded()) {
      closeOnce.run();
      return;
    }
    long[] dropped = {0};
    req.handler(chunk -> {
      dropped[0] += chunk.length();
      if (dropped[0] > LINGER_BYTES) {
        closeOnce.run();
      }
    });
    req.endHandler(v -> closeOnce.run());
    req.exceptionHandler(e -> closeOnce.run());
    rc.vertx().setTimer(LINGER_MS, t -> closeOnce.run());
    req.resume();
  }
}
