package io.beacon.devstack;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Prometheus (Debian package) with the repository's {@code prometheus/prometheus.yml} (compose mounts that
 * directory), rendered for the rehearsal: each scrape job keeps its settings and gets the rehearsal's targets
 * instead of compose's (the nodes by address instead of the "beacon" DNS name, the balancers on the edge network,
 * the Spark driver's metrics port directly: no sidecar is needed outside containers), and the rule files are the
 * repository's. A job the rehearsal does not know fails the start, as a compose key does for the nodes.
 */
final class PrometheusServer extends NativeServer {
  static final int PORT = 19090;
  private static final List<String> JOBS = List.of("beacon", "haproxy", "spark", "kafka", "cassandra", "questdb", "node",
      "prometheus");

  private final Path source;
  private final Map<String, List<String>> targets;

  /** The key of {@code targets} whose addresses replace compose's Alertmanager in the {@code alerting} section. */
  static final String ALERTMANAGERS = "alertmanagers";

  /** @param targets job name to "host:port" targets, and {@link #ALERTMANAGERS} to Alertmanager's */
  PrometheusServer(Path beaconHome, Path run, Path logs, Map<String, List<String>> targets) {
    super("prometheus", beaconHome, run.resolve("prometheus"), logs.resolve("prometheus.log"));
    this.source = beaconHome.resolve("prometheus");
    this.targets = Map.copyOf(targets);
  }

  String url() {
    return "http://127.0.0.1:" + PORT;
  }

  /** The rendered configuration. */
  @SuppressWarnings("unchecked")
  static String render(Path prometheusYml, Map<String, List<String>> targets) {
    Map<String, Object> root;
    try (Reader reader = Files.newBufferedReader(prometheusYml)) {
      root = new Yaml().load(reader);
    } catch (IOException e) {
      throw new LocalStackException("cannot read " + prometheusYml + ": " + e, e);
    }
    List<String> rules = new ArrayList<>();
    for (Object rule : (List<Object>) root.getOrDefault("rule_files", List.of())) {
      rules.add(prometheusYml.getParent().resolve(String.valueOf(rule)).toAbsolutePath().normalize().toString());
    }
    root.put("rule_files", rules);
    Map<String, Object> alerting = (Map<String, Object>) root.get("alerting");
    if (alerting != null) {
      if (!targets.containsKey(ALERTMANAGERS)) {
        throw new LocalStackException(prometheusYml + " sends alerts to Alertmanager, which the rehearsal does not run");
      }
      for (Map<String, Object> am : (List<Map<String, Object>>) alerting.get("alertmanagers")) {
        am.put("static_configs", List.of(new LinkedHashMap<>(Map.of("targets", targets.get(ALERTMANAGERS)))));
      }
    }
    List<String> unknown = new ArrayList<>();
    for (Map<String, Object> job : (List<Map<String, Object>>) root.get("scrape_configs")) {
      String name = String.valueOf(job.get("job_name"));
      if (!JOBS.contains(name) || !targets.containsKey(name)) {
        unknown.add(name);
        continue;
      }
      job.remove("dns_sd_configs");
      job.put("static_configs", List.of(new LinkedHashMap<>(Map.of("targets", targets.get(name)))));
    }
    if (!unknown.isEmpty()) {
      throw new LocalStackException(prometheusYml + " has scrape jobs the rehearsal does not know: " + unknown
          + " (add their targets in Rehearsal / PrometheusServer)");
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return "# Rendered by the rehearsal from " + prometheusYml + "\n" + new Yaml(options).dump(root);
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.writeString(home().resolve("prometheus.yml"), render(source.resolve("prometheus.yml"), targets));
  }

  @Override
  protected List<String> nativeCommand() {
    // compose: --config.file --storage.tsdb.path --storage.tsdb.retention.time=30d; plus a loopback listener.
    return List.of("/usr/bin/prometheus", "--config.file=" + home().resolve("prometheus.yml"),
        "--storage.tsdb.path=" + home().resolve("data"), "--storage.tsdb.retention.time=30d",
        "--web.listen-address=127.0.0.1:" + PORT);
  }

  @Override
  protected Probe newProbe() {
    return httpOk(url() + "/-/ready");
  }

  /** Targets by health ("up", "down", "unknown") per job, from the targets API. */
  Map<String, Integer> targetHealth() throws IOException, InterruptedException {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/targets?state=active"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Integer> health = new LinkedHashMap<>();
    Matcher m = Pattern.compile("\"health\"\\s*:\\s*\"(\\w+)\"").matcher(body);
    while (m.find()) {
      health.merge(m.group(1), 1, Integer::sum);
    }
    return health;
  }
}
