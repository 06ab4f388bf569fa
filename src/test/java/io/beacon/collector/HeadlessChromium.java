package io.beacon.collector;

import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real headless Chromium (Debian's {@code chromium}) driven over the DevTools protocol with the
 * JDK's WebSocket client: navigate, evaluate JavaScript. Fresh profile per instance; the process is
 * killed on close.
 */
final class HeadlessChromium implements AutoCloseable {
  private final Process process;
  private final WebSocket ws;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> replies = new ConcurrentHashMap<>();

  static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/chromium"));
  }

  HeadlessChromium(Path profile) throws Exception {
    Files.createDirectories(profile);
    process = new ProcessBuilder(List.of("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(), "--remote-debugging-port=0", "about:blank"))
        .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
    Path portFile = profile.resolve("DevToolsActivePort");
    await("chromium DevTools port").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> Files.exists(portFile) && Files.readAllLines(portFile).size() >= 1);
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    HttpClient http = HttpClient.newHttpClient();
    String[] wsUrl = new String[1];
    await("chromium page target").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsInstanceOf(IOException.class).until(() -> {
      JsonArray targets = new JsonArray(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      for (int i = 0; i < targets.size(); i++) {
        if ("page".equals(targets.getJsonObject(i).getString("type"))) {
          wsUrl[0] = targets.getJsonObject(i).getString("webSocketDebuggerUrl");
          return true;
        }
      }
      return false;
    });
    ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl[0]), new WebSocket.Listener() {
      private final StringBuilder buf = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        buf.append(data);
        if (last) {
          JsonObject msg = new JsonObject(buf.toString());
          buf.setLength(0);
          Integer id = msg.getInteger("id");
          if (id != null && replies.containsKey(id)) {
            replies.remove(id).complete(msg);
          }
        }
        socket.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    call("Page.enable", new JsonObject());
  }

  JsonObject call(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> reply = new CompletableFuture<>();
    replies.put(id, reply);
    ws.sendText(new JsonObject().put("id", id).put("method", method).put("params", params).encode(), true).get(10, TimeUnit.SECONDS);
    JsonObject r = reply.get(30, TimeUnit.SECONDS);
    if (r.containsKey("error")) {
      throw new IllegalStateException(method + ": " + r.getJsonObject("error"));
    }
    return r.getJsonObject("result");
  }

  void navigate(String url) throws Exception {
    call("Page.navigate", new JsonObject().put("url", url));
  }

  /** Evaluates an expression in the page and answers its value as a string. */
  String eval(String expression) throws Exception {
    JsonObject r = call("Runtime.evaluate", new JsonObject().put("expression", expression).put("returnByValue", true));
    Object v = r.getJsonObject("result").getValue("value");
    return v == null ? null : v.toString();
  }

  @Override
  public void close() {
    if (ws != null) {
      ws.abort();
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
