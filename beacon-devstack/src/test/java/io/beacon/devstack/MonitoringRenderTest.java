package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The rehearsal's Prometheus and Alertmanager run the repository's files with only its addresses swapped in. */
class MonitoringRenderTest {
  private static final Path PROMETHEUS = Path.of("prometheus/prometheus.yml");
  private static final Path ALERTMANAGER = Path.of("alertmanager/alertmanager.yml");

  @Test
  @SuppressWarnings("unchecked")
  void prometheusSendsItsAlertsToTheRehearsalsAlertmanager() {
    Map<String, List<String>> targets = new java.util.LinkedHashMap<>();
    for (String job : List.of("beacon", "haproxy", "spark", "kafka", "cassandra", "questdb", "node", "prometheus")) {
      targets.put(job, List.of("127.0.0.1:1"));
    }
    assertThatThrownBy(() -> PrometheusServer.render(PROMETHEUS, targets)).hasMessageContaining("Alertmanager");
    targets.put(PrometheusServer.ALERTMANAGERS, List.of("127.0.0.1:19093"));
    Map<String, Object> rendered = new Yaml().load(PrometheusServer.render(PROMETHEUS, targets));
    List<Map<String, Object>> managers =
        (List<Map<String, Object>>) ((Map<String, Object>) rendered.get("alerting")).get("alertmanagers");
    assertThat(managers).singleElement().extracting(m -> m.get("static_configs"))
        .isEqualTo(List.of(Map.of("targets", List.of("127.0.0.1:19093"))));
  }

  @Test
  @SuppressWarnings("unchecked")
  void alertmanagerKeepsComposesRoutesAndMailsTheRehearsalsRelay() {
    Map<String, Object> original = new Yaml().load(readString(ALERTMANAGER));
    Map<String, Object> rendered = new Yaml().load(AlertmanagerServer.render(ALERTMANAGER, "127.0.0.1:19025",
        v -> v.replace("/run/secrets/", "/run-dir/secrets/")));
    Map<String, Object> global = (Map<String, Object>) rendered.get("global");
    assertThat(global).containsEntry("smtp_smarthost", "127.0.0.1:19025").containsEntry("smtp_require_tls", false)
        .containsEntry("smtp_auth_password_file", "/run-dir/secrets/alertmanager_smtp_password")
        .containsEntry("smtp_from", ((Map<String, Object>) original.get("global")).get("smtp_from"));
    for (String key : List.of("route", "receivers", "inhibit_rules")) {
      assertThat(rendered.get(key)).as(key).isEqualTo(original.get(key));
    }
    assertThat(AlertmanagerServer.smtpUser(ALERTMANAGER)).isEqualTo(global.get("smtp_auth_username"));
  }

  private static String readString(Path p) {
    try {
      return java.nio.file.Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
