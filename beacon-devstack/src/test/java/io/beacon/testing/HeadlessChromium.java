package io.beacon.testing;

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
public final class HeadlessChromium implements AutoCloseable {
  private final Process process;
  private final WebSocket ws;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> replies = new ConcurrentHashMap<>();

  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/chromium"));
  }

  public HeadlessChromium(Path profile) throws Exception {
    this(profile, List.of());
  }

  /**
   * @param extraArgs more command-line switches, e.g. {@code --user-agent=...} or {@code --host-resolver-rules=MAP
   *     *.test 127.0.0.1} (sites under made-up host names, served from the loopback)
   */
  public HeadlessChromium(Path profile, List<String> extraArgs) throws Exception {
    Files.createDirectories(profile);
    List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(), "--remote-debugging-port=0"));
    cmd.addAll(extraArgs);
    cmd.add("about:blank");
    process = new ProcessBuilder(cmd)
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
          } else if (msg.containsKey("method")) {
            onEvent(msg.getString("method"), msg.getJsonObject("params", new JsonObject()));
          }
        }
        socket.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    call("Page.enable", new JsonObject());
    call("Runtime.enable", new JsonObject());
    call("Log.enable", new JsonObject());
  }

  private final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, List<java.util.function.Consumer<JsonObject>>> listeners = new ConcurrentHashMap<>();

  /**
   * Calls {@code listener} with the params of every DevTools event {@code method} from now on (e.g. {@code
   * Network.requestWillBeSent} once the test has called {@code Network.enable}), on the WebSocket's thread.
   */
  public void on(String method, java.util.function.Consumer<JsonObject> listener) {
    listeners.computeIfAbsent(method, m -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(listener);
  }

  /** Console errors, uncaught exceptions, failed loads and JavaScript dialogs seen so far (a dialog is dismissed). */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  private void onEvent(String method, JsonObject params) {
    listeners.getOrDefault(method, List.of()).forEach(l -> l.accept(params));
    switch (method) {
      case "Runtime.consoleAPICalled" -> {
        if ("error".equals(params.getString("type"))) {
          problems.add("console.error: " + params.getJsonArray("args", new JsonArray()).encode());
        }
      }
      case "Runtime.exceptionThrown" -> problems.add("exception: " + params.getJsonObject("exceptionDetails", new JsonObject()).encode());
      case "Log.entryAdded" -> {
        JsonObject entry = params.getJsonObject("entry", new JsonObject());
        if ("error".equals(entry.getString("level"))) {
          problems.add("log: " + entry.getString("text") + " " + entry.getString("url", ""));
        }
      }
      case "Page.javascriptDialogOpening" -> {
        problems.add("dialog: " + params.getString("message"));
        ws.sendText(new JsonObject().put("id", ids.incrementAndGet()).put("method", "Page.handleJavaScriptDialog")
            .put("params", new JsonObject().put("accept", false)).encode(), true);
      }
      default -> { }
    }
  }

  /** Saves a PNG of the page as it is now. */
  public void screenshot(Path file) throws Exception {
    JsonObject r = call("Page.captureScreenshot", new JsonObject().put("format", "png"));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, java.util.Base64.getDecoder().decode(r.getString("data")));
  }

  /** Sets the viewport, e.g. a phone's 390 x 800. */
  public void viewport(int width, int height) throws Exception {
    call("Emulation.setDeviceMetricsOverride", new JsonObject().put("width", width).put("height", height)
        .put("deviceScaleFactor", 1).put("mobile", width < 600));
  }

  public JsonObject call(String method, JsonObject params) throws Exception {
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

  public void navigate(String url) throws Exception {
    call("Page.navigate", new JsonObject().put("url", url));
  }

  /** Navigates as if from a link on {@code referrer} (the page's {@code document.referrer}). */
  public void navigate(String url, String referrer) throws Exception {
    call("Page.navigate", new JsonObject().put("url", url).put("referrer", referrer).put("referrerPolicy", "unsafeUrl"));
  }

  /** Evaluates an expression in the page and answers its value as a string. */
  public String eval(String expression) throws Exception {
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
