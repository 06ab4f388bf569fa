package io.beacon.devstack;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Alertmanager (Debian package {@code prometheus-alertmanager}) with the repository's {@code
 * alertmanager/alertmanager.yml} and compose's command line, rendered for the rehearsal: routes, receivers,
 * grouping and inhibition as they are; the relay becomes the rehearsal's own mail server ({@link MailSink}, plain
 * SMTP on the loopback, where compose requires STARTTLS to a real relay) and the relay's password file the run's
 * secret of that name. Prometheus's {@code alerting} section points at it ({@link PrometheusServer#render}).
 */
final class AlertmanagerServer extends NativeServer {
  static final String BINARY = "/usr/bin/prometheus-alertmanager";
  /** Not compose's 9093 + 10000: that is a Kafka broker's here (19092-19094). */
  static final int PORT = 19099;
  /** compose's address of Alertmanager in prometheus.yml's {@code alerting} section. */
  static final String COMPOSE_TARGET = "alertmanager:9093";

  private final Path source;
  private final String relay;
  private final UnaryOperator<String> secretFile;

  AlertmanagerServer(Path beaconHome, Path run, Path logs, String relay, UnaryOperator<String> secretFile) {
    super("alertmanager", beaconHome, run.resolve("alertmanager"), logs.resolve("alertmanager.log"));
    this.source = beaconHome.resolve("alertmanager/alertmanager.yml");
    this.relay = relay;
    this.secretFile = secretFile;
  }

  String target() {
    return "127.0.0.1:" + PORT;
  }

  /** The rendered configuration: compose's, with the relay and its password file of the rehearsal. */
  @SuppressWarnings("unchecked")
  static String render(Path alertmanagerYml, String relay, UnaryOperator<String> secretFile) {
    Map<String, Object> root;
    try (Reader reader = Files.newBufferedReader(alertmanagerYml)) {
      root = new Yaml().load(reader);
    } catch (IOException e) {
      throw new LocalStackException("cannot read " + alertmanagerYml + ": " + e, e);
    }
    Map<String, Object> global = (Map<String, Object>) root.get("global");
    if (global == null || !global.containsKey("smtp_smarthost") || !global.containsKey("smtp_auth_password_file")) {
      throw new LocalStackException(alertmanagerYml + " has no global smtp_smarthost / smtp_auth_password_file: "
          + "the rehearsal cannot point it at its mail server");
    }
    global.put("smtp_smarthost", relay);
    global.put("smtp_require_tls", false);
    global.put("smtp_auth_password_file", secretFile.apply(String.valueOf(global.get("smtp_auth_password_file"))));
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return "# Rendered by the rehearsal from " + alertmanagerYml + "\n" + new Yaml(options).dump(root);
  }

  /** The sender's login on the relay (global.smtp_auth_username). */
  @SuppressWarnings("unchecked")
  static String smtpUser(Path alertmanagerYml) {
    try (Reader reader = Files.newBufferedReader(alertmanagerYml)) {
      Map<String, Object> root = new Yaml().load(reader);
      return String.valueOf(((Map<String, Object>) root.get("global")).get("smtp_auth_username"));
    } catch (IOException e) {
      throw new LocalStackException("cannot read " + alertmanagerYml + ": " + e, e);
    }
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.writeString(home().resolve("alertmanager.yml"), render(source, relay, secretFile));
  }

  @Override
  protected List<String> nativeCommand() {
    // compose: --config.file --storage.path --cluster.listen-address= (no gossip); plus a loopback listener.
    return List.of(BINARY, "--config.file=" + home().resolve("alertmanager.yml"),
        "--storage.path=" + home().resolve("data"), "--cluster.listen-address=",
        "--web.listen-address=" + target());
  }

  @Override
  protected Probe newProbe() {
    return httpOk("http://" + target() + "/-/ready");
  }
}
