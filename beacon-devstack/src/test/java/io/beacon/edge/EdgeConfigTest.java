package io.beacon.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.beacon.infra.config.ConfigLoader;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.testing.Prometheus;
import io.beacon.testing.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every edge and operations file passes its tool's own validator. */
class EdgeConfigTest {
  static final Path HOME = Path.of(System.getProperty("beacon.home", "."));

  @TempDir Path tmp;

  @Test
  void haproxyConfigsAreValidWithWarningsFatal() throws Exception {
    Map<String, String> env = exampleEnv();
    Sh.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=beacon",
        "-keyout", tmp.resolve("k.pem").toString(), "-out", tmp.resolve("c.pem").toString());
    Files.writeString(tmp.resolve("beacon.pem"),
        Files.readString(tmp.resolve("c.pem")) + Files.readString(tmp.resolve("k.pem")));
    env.put("BEACON_LB_TLS_CERT", tmp.resolve("beacon.pem").toString());
    // The compose service name does not resolve here; localhost stands in for it.
    env.put("BEACON_NODES_DNS", "localhost");
    Path dir = HOME.resolve("haproxy");
    List<String> l7 = List.of("haproxy", "-c", "-dW", "-f", dir.resolve("haproxy.cfg").toString(),
        "-f", dir.resolve("backends-dns.cfg").toString());
    // The stats page's password is a secret the example file does not hold: without it HAProxy refuses to start.
    assertThatThrownBy(() -> Sh.run(l7, env)).hasMessageContaining("BEACON_LB_STATS_PASSWORD must be set");
    env.put("BEACON_LB_STATS_PASSWORD", "from a secret file");
    assertThat(Sh.run(l7, env)).contains("Configuration file is valid");
    assertThat(Sh.run(List.of("haproxy", "-c", "-dW", "-f", dir.resolve("haproxy-l4.cfg").toString(),
        "-f", dir.resolve("backends-l4-dns.cfg").toString()), env)).contains("Configuration file is valid");
    // The Spark job's metrics sidecar, with the values of the production compose file.
    assertThat(Sh.run(List.of("haproxy", "-c", "-dW", "-f", dir.resolve("spark-metrics.cfg").toString()),
        Map.of("BEACON_SPARK_METRICS_BIND", ":9466", "BEACON_SPARK_METRICS_TARGET", "127.0.0.1:9465")))
        .contains("Configuration file is valid");
  }

  /**
   * The balancer waits for a report as long as the node does (the node answers 503 after
   * recompute.reportTimeoutMs), and never sends a request again because it was slow: a retried report is the
   * same recomputation twice, a retried login or admin change may be applied twice.
   */
  @Test
  void theBalancerOutwaitsTheNodesReportTimeoutAndNeverRetriesOnAResponseTimeout() throws Exception {
    long reportTimeoutMs = ConfigLoader.load(null, Map.of()).recompute().reportTimeoutMs();
    String queryTimeout = exampleEnv().get("BEACON_LB_QUERY_TIMEOUT");
    assertThat(queryTimeout).matches("\\d+s");
    assertThat(Long.parseLong(queryTimeout.substring(0, queryTimeout.length() - 1)) * 1000)
        .as("BEACON_LB_QUERY_TIMEOUT against recompute.reportTimeoutMs").isGreaterThan(reportTimeoutMs);
    for (String cfg : List.of("haproxy.cfg", "haproxy-l4.cfg", "backends-dns.cfg", "backends-l4-dns.cfg")) {
      for (String line : Files.readAllLines(HOME.resolve("haproxy").resolve(cfg))) {
        if (line.strip().startsWith("retry-on")) {
          assertThat(line).as(cfg).doesNotContain("response-timeout").doesNotContain("all-retryable-errors");
        }
      }
    }
  }

  /**
   * In the production compose file every node trusts both balancers' X-Forwarded-For on both public ports (their
   * backend addresses fall in collector.trustedProxies and query.trustedProxies), and marks its session cookies
   * Secure; the balancers' stats password comes from a secret.
   */
  @Test
  void composeNodesTrustTheBalancersAndSecureTheirCookies() throws Exception {
    JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(Sh.run(List.of("docker-compose", "-f",
        HOME.resolve("docker-compose.yml").toString(), "config"), Map.of()));
    JsonNode services = compose.get("services");
    List<String> balancers = new ArrayList<>();
    for (String lb : List.of("lb1", "lb2")) {
      JsonNode address = services.path(lb).path("networks").path("backend").path("ipv4_address");
      assertThat(address.isTextual()).as("%s has a fixed backend address", lb).isTrue();
      balancers.add(address.asText());
      assertThat(services.path(lb).path("environment").path("BEACON_LB_STATS_PASSWORD_FILE").asText())
          .startsWith("/run/secrets/");
      assertThat(services.path(lb).path("environment").has("BEACON_LB_STATS_PASSWORD")).isFalse();
    }
    int nodes = 0;
    for (var it = services.fields(); it.hasNext(); ) {
      var service = it.next();
      if (!service.getKey().startsWith("beacon-")) {
        continue;
      }
      nodes++;
      JsonNode env = service.getValue().path("environment");
      for (String key : List.of("BEACON_COLLECTOR_TRUSTED_PROXIES", "BEACON_QUERY_TRUSTED_PROXIES")) {
        TrustedProxies trusted = TrustedProxies.parse(List.of(env.path(key).asText("").split(",")));
        for (String address : balancers) {
          assertThat(trusted.contains(address)).as("%s %s trusts %s", service.getKey(), key, address).isTrue();
        }
      }
      assertThat(env.path("BEACON_QUERY_SECURE_COOKIES").asText()).as(service.getKey()).isEqualTo("true");
    }
    assertThat(nodes).isGreaterThanOrEqualTo(3);
  }

  @Test
  void keepalivedConfigIsValidForBothBalancers() throws Exception {
    for (String lb : List.of("lb1", "lb2")) {
      Path dir = Files.createDirectories(tmp.resolve(lb));
      Files.copy(HOME.resolve("keepalived/keepalived.conf"), dir.resolve("keepalived.conf"));
      Files.copy(HOME.resolve("keepalived/" + lb + ".params"), dir.resolve("node.params"), StandardCopyOption.REPLACE_EXISTING);
      // What deploy/lb-entrypoint.sh writes from the VRRP password secret.
      Files.writeString(dir.resolve("vrrp-auth.params"), "$VRRP_AUTH_PASS=s3cr3t12\n");
      // -e: a missing include is an error too.
      String out = Sh.run("keepalived", "-t", "-e", "-f", dir.resolve("keepalived.conf").toString());
      // "... does not support authentication. Ignoring.": VRRPv3 would drop the password silently.
      assertThat(out).doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("invalid")
          .doesNotContainIgnoringCase("ignoring");
    }
  }

  @Test
  void prometheusConfigRulesAndRuleTestsPass() throws Exception {
    Path dir = HOME.resolve("prometheus");
    assertThat(Sh.run("promtool", "check", "config", dir.resolve("prometheus.yml").toString())).contains("SUCCESS");
    try (var rules = Files.list(dir.resolve("rules"))) {
      for (Path r : rules.toList()) {
        assertThat(Sh.run("promtool", "check", "rules", r.toString())).contains("SUCCESS");
      }
    }
    try (var tests = Files.list(dir.resolve("tests"))) {
      for (Path t : tests.toList()) {
        assertThat(Sh.run("promtool", "test", "rules", t.toString())).contains("SUCCESS");
      }
    }
  }

  /**
   * HaproxyTest runs every alert's expression with its comparisons made {@code bool}, so that it answers while
   * all is well; the rewrite leaves label matchers, strings and existing {@code bool}s alone.
   */
  @Test
  void alertExpressionsAreCheckedInTheirBoolForm() throws Exception {
    assertThat(Prometheus.withBool("up{job=\"beacon\"} == 0")).isEqualTo("up{job=\"beacon\"} == bool 0");
    assertThat(Prometheus.withBool("min(a) < count(up{job!=\"x\",i=~\"a|b\"} == 1)"))
        .isEqualTo("min(a) < bool count(up{job!=\"x\",i=~\"a|b\"} == bool 1)");
    assertThat(Prometheus.withBool("a >= 0.5 and on(n) b != bool 0 or c <= 2 > 1"))
        .isEqualTo("a >= bool 0.5 and on(n) b != bool 0 or c <= bool 2 > bool 1");
    assertThat(Prometheus.withBool("x{l=\"a>b\"} > 1")).isEqualTo("x{l=\"a>b\"} > bool 1");
    // Every rule file's alerts are found, and so is every dashboard's panels.
    assertThat(Prometheus.alertExpressions()).extracting(Prometheus.Expression::source)
        .anyMatch(s -> s.startsWith("beacon-cluster.yml")).anyMatch(s -> s.startsWith("beacon-pipeline.yml"))
        .anyMatch(s -> s.startsWith("beacon-serving.yml"));
    assertThat(Prometheus.panelExpressions()).extracting(e -> e.source().split(" / ")[0]).contains(
        "cluster-jvm.json", "load-balancer.json", "ingest.json", "pipeline.json", "serving.json");
  }

  @Test
  void alertmanagerConfigIsValid() throws Exception {
    assertThat(Sh.run("amtool", "check-config", HOME.resolve("alertmanager/alertmanager.yml").toString()))
        .contains("SUCCESS");
  }

  /**
   * The project's Alertmanager configuration, run by a real Alertmanager, mails a firing alert through a real SMTP
   * server (GreenMail, in this JVM): only the relay's address, its TLS and the password file's path are changed, to
   * point at the test's server. The alert is posted as Prometheus posts it (API v2); that Prometheus sends to
   * Alertmanager at all is prometheus.yml's {@code alerting} section, checked by promtool above.
   */
  @Test
  void aFiringAlertIsMailedToTheOnCallRecipient() throws Exception {
    int smtpPort = io.beacon.testing.FreePorts.one();
    int amPort = io.beacon.testing.FreePorts.one();
    com.icegreen.greenmail.util.GreenMail smtp = new com.icegreen.greenmail.util.GreenMail(
        new com.icegreen.greenmail.util.ServerSetup(smtpPort, "127.0.0.1", "smtp"));
    // The relay knows the sender's login: Alertmanager authenticates with the password from its secret file.
    smtp.setUser("beacon-alerts@example.com", "beacon-alerts@example.com", "relay-secret");
    smtp.start();
    Process am = null;
    try {
      Path password = tmp.resolve("smtp_password");
      Files.writeString(password, "relay-secret");
      String config = Files.readString(HOME.resolve("alertmanager/alertmanager.yml"))
          .replace("smtp.example.com:587", "127.0.0.1:" + smtpPort)
          .replace("smtp_require_tls: true", "smtp_require_tls: false")
          .replace("/run/secrets/alertmanager_smtp_password", password.toString());
      Path file = tmp.resolve("alertmanager.yml");
      Files.writeString(file, config);
      am = new ProcessBuilder("prometheus-alertmanager", "--config.file=" + file, "--storage.path=" + tmp.resolve("am"),
          "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("alertmanager.log").toFile()).start();
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String alert = "[{\"labels\":{\"alertname\":\"BeaconNodeDown\",\"severity\":\"page\",\"job\":\"beacon\","
          + "\"instance\":\"node-1:9464\"},\"annotations\":{\"summary\":\"node-1 is down\"}}]";
      java.net.http.HttpRequest post = java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + amPort + "/api/v2/alerts"))
          .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(alert))
          .build();
      Process running = am;
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .pollInterval(java.time.Duration.ofMillis(200)).ignoreExceptions()
          .failFast("alertmanager exited", () -> !running.isAlive())
          .until(() -> http.send(post, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
      // group_wait (10 s) first.
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .pollInterval(java.time.Duration.ofMillis(500))
          .failFast("alertmanager exited", () -> !running.isAlive())
          .conditionEvaluationListener(c -> {
            if (c.getRemainingTimeInMS() <= 500) {
              System.err.println("alertmanager's log:\n" + readQuietly(tmp.resolve("alertmanager.log")));
            }
          })
          .until(() -> smtp.getReceivedMessages().length > 0);
      jakarta.mail.internet.MimeMessage mail = smtp.getReceivedMessages()[0];
      assertThat(mail.getAllRecipients()).extracting(Object::toString).containsExactly("on-call@example.com");
      assertThat(mail.getFrom()).extracting(Object::toString).containsExactly("beacon-alerts@example.com");
      assertThat(mail.getSubject()).contains("FIRING", "BeaconNodeDown");
      assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(mail)).contains("node-1 is down");
    } finally {
      if (am != null) {
        am.destroy();
        am.waitFor();
      }
      smtp.stop();
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  @Test
  void composeFileIsValid() throws Exception {
    Sh.run(List.of("docker-compose", "-f", HOME.resolve("docker-compose.yml").toString(), "config", "-q"), Map.of());
  }

  @Test
  void grafanaDashboardsPassGrafanasSchemaTypes() throws Exception {
    Path check = HOME.resolve("grafana/check");
    if (!Files.isDirectory(check.resolve("node_modules"))) {
      Sh.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", check.toString()), Map.of());
    }
    assertThat(Sh.run(List.of("npm", "run", "-s", "check", "--prefix", check.toString()), Map.of()))
        .contains("schema check passed");
    // The types checked are those of the Grafana compose runs: the image's tag is the schema package's version.
    ObjectMapper json = new ObjectMapper();
    String schema = json.readTree(check.resolve("package.json").toFile())
        .path("devDependencies").path("@grafana/schema").asText();
    String image = new ObjectMapper(new YAMLFactory()).readTree(HOME.resolve("docker-compose.yml").toFile())
        .path("services").path("grafana").path("image").asText();
    assertThat(image).isEqualTo("grafana/grafana:" + schema);
  }

  private static Map<String, String> exampleEnv() throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(HOME.resolve("haproxy/haproxy.env.example"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int eq = line.indexOf('=');
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }
}
