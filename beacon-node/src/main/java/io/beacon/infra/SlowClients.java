package io.beacon.infra;

import io.beacon.infra.config.BeaconConfig.HttpConfig;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Cuts off slow clients (slowloris) on a public HTTP server: a connection must deliver a request's headers
 * within {@code http.headerTimeoutMs} of opening or of its previous answer, else it is closed (also the
 * keep-alive idle limit); a request's body must arrive within {@code http.bodyTimeoutMs} of its headers, else
 * it is answered 408 and the connection is closed. A request whose body has arrived is never cut: the
 * handler's own work, or a long-lived answer such as a server-sent-event stream, is not the client's delay.
 * Vert.x's idle timeout alone cannot do this: a client trickling one byte every few seconds is never idle.
 *
 * <p>One guard per server instance (verticle instance): its connections and its sweep timer all run on that
 * instance's event loop, so the state needs no locking.
 */
public final class SlowClients {
  private final long headerTimeoutMs;
  private final long bodyTimeoutMs;
  private final Function<String, JsonObject> timeoutBody;
  private final Map<HttpConnection, State> connections = new HashMap<>();

  /** Where a connection is: waiting for headers since {@code since}, or reading {@code current}'s body. */
  private static final class State {
    HttpServerRequest current;
    long since;

    State(long now) {
      since = now;
    }
  }

  private SlowClients(HttpConfig http, Function<String, JsonObject> timeoutBody) {
    this.headerTimeoutMs = http.headerTimeoutMs();
    this.bodyTimeoutMs = http.bodyTimeoutMs();
    this.timeoutBody = timeoutBody;
  }

  /**
   * Creates the server with {@code handler} as its request handler behind the guard. Cleartext HTTP/2 (h2c) is
   * turned off: to tell its preface from HTTP/1.x, Vert.x waits for the first 24 bytes before it creates the
   * connection, so a client sending fewer (or none) would be invisible to the guard. Beacon's public ports speak
   * HTTP/1.1 (browsers use h2 over TLS only, and TLS ends at the load balancer).
   *
   * @param timeoutBody the JSON body of the 408 answer, in the server's own error shape, given its message
   */
  public static HttpServer server(Vertx vertx, HttpServerOptions options, HttpConfig http, Handler<HttpServerRequest> handler,
      Function<String, JsonObject> timeoutBody) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions(options).setHttp2ClearTextEnabled(false));
    SlowClients guard = new SlowClients(http, timeoutBody);
    long period = Math.max(50, Math.min(guard.headerTimeoutMs, guard.bodyTimeoutMs) / 5);
    vertx.setPeriodic(period, period, id -> guard.sweep());
    return server.connectionHandler(guard::opened).requestHandler(req -> {
      guard.request(req);
      handler.handle(req);
    });
  }

  private void opened(HttpConnection conn) {
    connections.put(conn, new State(System.currentTimeMillis()));
    conn.closeHandler(v -> connections.remove(conn));
  }

  private void request(HttpServerRequest req) {
    State s = connections.get(req.connection());
    if (s == null) {
      return;
    }
    if (req.version() == HttpVersion.HTTP_2) {
      // Multiplexed streams (h2 over TLS, if ever configured): no single request to time.
      connections.remove(req.connection());
      return;
    }
    s.current = req;
    s.since = System.currentTimeMillis();
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    for (var it = connections.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      State s = e.getValue();
      HttpServerRequest req = s.current;
      if (req == null) {
        if (now - s.since > headerTimeoutMs) {
          it.remove();
          e.getKey().close();
        }
      } else if (!req.isEnded()) {
        if (now - s.since > bodyTimeoutMs) {
          it.remove();
          if (!req.response().ended() && !req.response().headWritten()) {
            req.response().setStatusCode(408).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                .end(timeoutBody.apply("request body not received within " + bodyTimeoutMs + " ms").encode())
                .onComplete(v -> e.getKey().close());
          } else {
            e.getKey().close();
          }
        }
      } else if (req.response().ended()) {
        // Answered: the connection now waits for its next request.
        s.current = null;
        s.since = now;
      }
    }
  }
}
