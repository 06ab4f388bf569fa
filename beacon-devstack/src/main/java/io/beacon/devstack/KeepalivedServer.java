package io.beacon.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One load balancer's keepalived (Debian package) in the balancer's network namespace: the project's
 * {@code keepalived.conf} with a params file rendered from compose's ({@code lbN.params}: kept values, and the
 * edge network's addresses). VRRP only ({@code -P}); logs to the console, i.e. its log file. A SIGTERM releases
 * the VIP; a {@code kill -9} leaves it behind (recipe), so the rehearsal kills HAProxy, not keepalived.
 */
final class KeepalivedServer extends NativeServer {

  private final EdgeNetwork network;
  private final int balancer;
  private final Path template;
  private final Map<String, String> params;
  private final Path vrrpPasswordFile;

  /** @param vrrpPasswordFile the balancers' shared VRRP password (compose: the secret lb_vrrp_password) */
  KeepalivedServer(String name, Path beaconHome, Path home, Path logFile, EdgeNetwork network, int balancer,
                   Path keepalivedConf, Map<String, String> params, Path vrrpPasswordFile) {
    super(name, beaconHome, home, logFile);
    this.network = network;
    this.balancer = balancer;
    this.template = keepalivedConf;
    this.params = Map.copyOf(params);
    this.vrrpPasswordFile = vrrpPasswordFile;
  }

  private Path conf() {
    return home().resolve("keepalived.conf");
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.copy(template, conf(), StandardCopyOption.REPLACE_EXISTING);
    // keepalived.conf includes node.params from its own directory.
    Files.writeString(home().resolve("node.params"), params.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining("\n", "", "\n")));
    // What deploy/lb-entrypoint.sh writes from the secret: the first 8 characters (AH's key), mode 600.
    Path auth = home().resolve(ComposeEdge.VRRP_AUTH_PARAMS);
    Files.deleteIfExists(auth);
    Files.createFile(auth, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    String password = Files.readString(vrrpPasswordFile).replaceAll("[\\r\\n]", "");
    Files.writeString(auth, "$VRRP_AUTH_PASS=" + password.substring(0, Math.min(8, password.length())) + "\n");
    Files.deleteIfExists(home().resolve("vrrp.pid"));
    String check = EdgeNetwork.run("/usr/sbin/keepalived", "-t", "-e", "-f", conf().toString());
    if (check.toLowerCase().contains("error")) {
      throw new LocalStackException("keepalived -t failed for " + name() + ":\n" + check);
    }
  }

  @Override
  protected List<String> nativeCommand() {
    return network.inNamespace(balancer, List.of("/usr/sbin/keepalived", "-n", "-l", "-D", "-P",
        "-f", conf().toString(), "-p", home().resolve("keepalived.pid").toString(),
        "-r", home().resolve("vrrp.pid").toString()));
  }

  /** Ready = its VRRP process runs (it wrote its pid file); who holds the VIP is the edge's own wait. */
  @Override
  protected Probe newProbe() {
    return () -> {
      Path pidFile = home().resolve("vrrp.pid");
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        return;
      }
      throw new IllegalStateException("no VRRP process yet");
    };
  }
}
