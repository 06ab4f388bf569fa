package io.beacon.collector;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Serves Beacon's browser tracker ({@code src/main/resources/beacon.js}) from memory. */
final class Tracker {
  private Tracker() {}

  static Handler<RoutingContext> handler(Vertx vertx) {
    Buffer script;
    try (InputStream in = Tracker.class.getClassLoader().getResourceAsStream("beacon.js")) {
      if (in == null) {
        throw new IllegalStateException("beacon.js missing from the classpath (broken build)");
      }
      script = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rc -> rc.response()
        .putHeader("Content-Type", "application/javascript; charset=utf-8")
        .putHeader("Cache-Control", "public, max-age=3600")
        .putHeader("Access-Control-Allow-Origin", "*")
        .end(script);
  }
}
