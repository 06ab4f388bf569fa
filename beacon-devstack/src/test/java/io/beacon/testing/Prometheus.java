package io.beacon.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real Prometheus (Debian package) with a test scrape config and the project's alert rules. */
public final class Prometheus implements AutoCloseable {
  public static final Path RULES = Path.of(System.getProperty("beacon.home", ".")).resolve("prometheus/rules");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
      "group_left", "group_right", "bool", "offset");

  private final Path dir;
  private final String config;
  public final int port = FreePorts.one();
  private Process process;

  public Prometheus(Path dir, String config) {
    this.dir = dir;
    this.config = config;
  }

  public Prometheus start() throws IOException {
    Files.createDirectories(dir);
    Path cfg = dir.resolve("prometheus.yml");
    Files.writeString(cfg, config);
    process = new ProcessBuilder("prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + dir.resolve("data-" + port),
        "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile())).start();
    await("prometheus ready").atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    return this;
  }

  /** The result vector of an instant query (empty when no series match). */
  public List<JsonNode> query(String promql) throws IOException, InterruptedException {
    String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    JsonNode body = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    if (!"success".equals(body.path("status").asText())) {
      throw new AssertionError("query failed: " + promql + ": " + body);
    }
    List<JsonNode> out = new ArrayList<>();
    body.path("data").path("result").forEach(out::add);
    return out;
  }

  public static final Path DASHBOARDS = Path.of(System.getProperty("beacon.home", ".")).resolve("grafana/dashboards");

  /** A PromQL expression and where it comes from (dashboard and panel, or rule file and alert). */
  public record Expression(String source, String expr) {}

  /** Every panel target's expression, Grafana's interval variables replaced by 1m. */
  public static List<Expression> panelExpressions() throws IOException {
    List<Expression> out = new ArrayList<>();
    try (var files = Files.list(DASHBOARDS)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        collectPanels(f.getFileName().toString(), JSON.readTree(f.toFile()).path("panels"), out);
      }
    }
    return out;
  }

  private static void collectPanels(String dashboard, JsonNode panels, List<Expression> out) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        if (!expr.isBlank()) {
          out.add(new Expression(dashboard + " / " + panel.path("title").asText() + " / " + target.path("refId").asText(),
              expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1m")));
        }
      }
      collectPanels(dashboard, panel.path("panels"), out); // panels inside a collapsed row
    }
  }

  /**
   * Every alerting and recording rule's expression, with each comparison made {@code bool}: an alert's
   * expression is empty while all is well, but its {@code bool} form answers 0 or 1 whenever the series it
   * compares exist and match.
   */
  public static List<Expression> alertExpressions() throws IOException {
    List<Expression> out = new ArrayList<>();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (var files = Files.list(RULES)) {
      for (Path f : files.sorted().toList()) {
        for (JsonNode group : yaml.readTree(f.toFile()).path("groups")) {
          for (JsonNode rule : group.path("rules")) {
            String name = rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
            out.add(new Expression(f.getFileName() + " / " + name, withBool(rule.path("expr").asText())));
          }
        }
      }
    }
    return out;
  }

  /** Adds {@code bool} after each comparison operator outside label matchers and strings. */
  public static String withBool(String expr) {
    StringBuilder out = new StringBuilder();
    int braces = 0;
    boolean quoted = false;
    for (int i = 0; i < expr.length(); i++) {
      char c = expr.charAt(i);
      if (quoted) {
        out.append(c);
        if (c == '\\' && i + 1 < expr.length()) {
          out.append(expr.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        }
        continue;
      }
      boolean twoChars = i + 1 < expr.length() && expr.charAt(i + 1) == '=';
      if (c == '"') {
        quoted = true;
      } else if (c == '{') {
        braces++;
      } else if (c == '}') {
        braces--;
      } else if (braces == 0 && (c == '>' || c == '<' || ((c == '=' || c == '!') && twoChars))) {
        String op = twoChars ? expr.substring(i, i + 2) : String.valueOf(c);
        out.append(op);
        i += op.length() - 1;
        if (!expr.substring(i + 1).stripLeading().startsWith("bool")) {
          out.append(" bool");
        }
        continue;
      }
      out.append(c);
    }
    return out.toString();
  }

  /** Names of the metrics that the project's alert rules and Grafana dashboards select. */
  public static Set<String> metricsInRulesAndDashboards() throws IOException {
    Set<String> names = new TreeSet<>();
    for (Expression e : panelExpressions()) {
      names.addAll(metricNames(e.expr()));
    }
    for (Expression e : alertExpressions()) {
      names.addAll(metricNames(e.expr()));
    }
    return names;
  }

  /** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
  public static Set<String> metricNames(String expr) {
    String bare = expr.replaceAll("\\{[^}]*}", " ")                 // label matchers
        .replaceAll("\\[[^]]*]", " ")                               // range durations
        .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
        .replaceAll("\"[^\"]*\"", " ");
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\(?)").matcher(bare);
    while (m.find()) {
      if (m.group(2).isEmpty() && !PROMQL_WORDS.contains(m.group(1))) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
