package io.beacon.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load balancers of {@code docker-compose.yml} ({@code lbN} services), read so the rehearsal runs the files
 * operators run: the HAProxy config and keepalived config the balancer image copies ({@code deploy/lb.Dockerfile}),
 * the HAProxy environment of the service's {@code env_file}, and its keepalived params file (mounted on
 * {@code /etc/keepalived/node.params}).
 *
 * <p>As for the nodes ({@link ComposeNodes}), every key is either {@linkplain #HAPROXY_KEPT kept} (compose's value
 * runs unchanged: each balancer has a network namespace of its own, so compose's binds and ports work as they
 * are), {@linkplain #HAPROXY_LOCALIZED localized} (a path of the container), or {@linkplain #HAPROXY_BACKENDS used
 * by the DNS backends file only}, which the rehearsal replaces by a static one {@linkplain #renderBackends rendered
 * from it} (no DNS name resolves to every node here). A key compose adds or drops fails the rehearsal and
 * {@code ComposeEdgeTest} until this class follows.
 */
final class ComposeEdge {

  static final Set<String> HAPROXY_KEPT = Set.of(
      "BEACON_LB_INGEST_BIND", "BEACON_LB_INGEST_TLS_BIND", "BEACON_LB_DASHBOARD_BIND",
      "BEACON_LB_DASHBOARD_TLS_BIND", "BEACON_LB_DASHBOARD_HTTPS_PORT", "BEACON_LB_METRICS_BIND",
      "BEACON_LB_STATS_BIND", "BEACON_LB_STATS_USER", "BEACON_LB_INGEST_RATE", "BEACON_LB_LOGIN_RATE",
      "BEACON_LB_QUERY_TIMEOUT");
  /** Container paths: the rehearsal's self-signed certificate (for the VIP), its stats and VRRP password files. */
  static final Set<String> HAPROXY_LOCALIZED = Set.of("BEACON_LB_TLS_CERT", "BEACON_LB_STATS_PASSWORD_FILE",
      "BEACON_LB_VRRP_PASSWORD_FILE");
  /** The file keepalived.conf includes for VRRP's password, written by the entrypoint (and by the rehearsal). */
  static final String VRRP_AUTH_PARAMS = "vrrp-auth.params";
  /** Only backends-dns.cfg reads these; the rehearsal's backends file names each node instead. */
  static final Set<String> HAPROXY_BACKENDS = Set.of(
      "BEACON_LB_SLOTS", "BEACON_NODES_DNS", "BEACON_COLLECTOR_PORT", "BEACON_QUERY_PORT", "BEACON_MANAGEMENT_PORT");

  static final Set<String> PARAMS_KEPT = Set.of(
      "$ROUTER_ID", "$SCRIPT_USER", "$CURL", "$HAPROXY_STATS_PORT", "$INTERFACE", "$VRID", "$PRIORITY");
  /** The addresses on the balancers' LAN: the rehearsal's edge network (EdgeNetwork). */
  static final Set<String> PARAMS_LOCALIZED = Set.of("$SELF_IP", "$PEER_IP", "$VIP");

  static final String PARAMS_MOUNT = "/etc/keepalived/node.params";
  static final String DOCKERFILE = "deploy/lb.Dockerfile";
  /** What the balancer image copies, and so what the rehearsal runs. */
  static final List<String> HAPROXY_FILES = List.of("haproxy/haproxy.cfg", "haproxy/backends-dns.cfg");
  static final String KEEPALIVED_FILE = "keepalived/keepalived.conf";

  /**
   * One {@code lbN} service.
   *
   * @param haproxyEnv compose's environment of the service: its env_file, then its {@code environment}
   * @param params     the keepalived params file's {@code $NAME=value} lines
   */
  record Balancer(String service, int index, Map<String, String> haproxyEnv, Path paramsFile,
                  Map<String, String> params) {
  }

  /** The balancers and the files they run (absolute). */
  record Edge(List<Balancer> balancers, List<Path> haproxyConfigs, Path keepalivedConf) {
    Path haproxyMain() {
      return haproxyConfigs.get(0);
    }

    Path backendsDns() {
      return haproxyConfigs.get(1);
    }
  }

  private ComposeEdge() {
  }

  /**
   * Reads the {@code lbN} services of {@code composeFile}.
   *
   * @throws LocalStackException listing every difference between compose and what the rehearsal runs
   */
  @SuppressWarnings("unchecked")
  static Edge read(Path composeFile) {
    Map<String, Object> root = ComposeNodes.load(composeFile);
    Path base = composeFile.toAbsolutePath().normalize().getParent();
    Map<String, Object> services = (Map<String, Object>) root.getOrDefault("services", Map.of());
    List<String> problems = new ArrayList<>();
    List<Balancer> balancers = new ArrayList<>();
    for (Map.Entry<String, Object> service : services.entrySet()) {
      Matcher name = Pattern.compile("lb(\\d+)").matcher(service.getKey());
      if (!name.matches()) {
        continue;
      }
      Map<String, Object> definition = (Map<String, Object>) service.getValue();
      Map<String, String> env = new LinkedHashMap<>();
      Object envFiles = definition.get("env_file");
      for (Object file : envFiles instanceof List<?> list ? list : envFiles == null ? List.of() : List.of(envFiles)) {
        env.putAll(envFile(base.resolve(String.valueOf(file)).normalize(), problems));
      }
      Object environment = definition.get("environment");
      if (environment instanceof Map<?, ?> map) {
        map.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
      }
      Path params = null;
      for (Object volume : (List<Object>) definition.getOrDefault("volumes", List.of())) {
        String[] parts = String.valueOf(volume).split(":");
        if (parts.length >= 2 && parts[1].equals(PARAMS_MOUNT)) {
          params = base.resolve(parts[0]).normalize();
        }
      }
      if (params == null) {
        problems.add(service.getKey() + " mounts no keepalived params on " + PARAMS_MOUNT);
        continue;
      }
      Map<String, String> paramValues = params(params, problems);
      problems.addAll(keyProblems(service.getKey(), env.keySet(), paramValues.keySet()));
      String statsBind = env.getOrDefault("BEACON_LB_STATS_BIND", "");
      String statsPort = paramValues.getOrDefault("$HAPROXY_STATS_PORT", "?");
      if (!statsBind.startsWith("127.0.0.1:") || !statsBind.endsWith(":" + statsPort)) {
        problems.add(service.getKey() + ": keepalived checks HAProxy on 127.0.0.1:" + statsPort
            + " but BEACON_LB_STATS_BIND is " + statsBind);
      }
      balancers.add(new Balancer(service.getKey(), Integer.parseInt(name.group(1)), env, params, paramValues));
    }
    if (balancers.size() < 2) {
      problems.add("compose has " + balancers.size() + " lbN services; the edge needs 2");
    }
    problems.addAll(dockerfileProblems(base.resolve(DOCKERFILE)));
    if (!problems.isEmpty()) {
      throw new LocalStackException(composeFile + " and the rehearsal's edge (io.beacon.devstack.ComposeEdge) "
          + "disagree:\n- " + String.join("\n- ", problems));
    }
    balancers.sort(java.util.Comparator.comparingInt(Balancer::index));
    return new Edge(List.copyOf(balancers), HAPROXY_FILES.stream().map(f -> base.resolve(f).normalize()).toList(),
        base.resolve(KEEPALIVED_FILE).normalize());
  }

  static List<String> keyProblems(String service, Set<String> envKeys, Set<String> paramKeys) {
    List<String> problems = new ArrayList<>();
    Set<String> known = new TreeSet<>(HAPROXY_KEPT);
    known.addAll(HAPROXY_LOCALIZED);
    known.addAll(HAPROXY_BACKENDS);
    for (String key : new TreeSet<>(envKeys)) {
      if (key.equals("BEACON_LB_STATS_PASSWORD")) {
        problems.add(service + " sets BEACON_LB_STATS_PASSWORD itself: it must come from a secret file");
      } else if (!known.contains(key)) {
        problems.add(service + " sets " + key + ", unknown to the rehearsal: add it to ComposeEdge");
      }
    }
    Set<String> missing = new TreeSet<>(known);
    missing.removeAll(envKeys);
    missing.forEach(k -> problems.add(service + " no longer sets " + k + ", which the rehearsal sets"));
    Set<String> knownParams = new TreeSet<>(PARAMS_KEPT);
    knownParams.addAll(PARAMS_LOCALIZED);
    for (String key : new TreeSet<>(paramKeys)) {
      if (!knownParams.contains(key)) {
        problems.add(service + "'s keepalived params set " + key + ", unknown to the rehearsal");
      }
    }
    Set<String> missingParams = new TreeSet<>(knownParams);
    missingParams.removeAll(paramKeys);
    missingParams.forEach(k -> problems.add(service + "'s keepalived params no longer set " + k));
    return problems;
  }

  /** The image must copy exactly the files the rehearsal runs, and start HAProxy with them in that order. */
  static List<String> dockerfileProblems(Path dockerfile) {
    List<String> problems = new ArrayList<>();
    String text;
    try {
      text = Files.readString(dockerfile);
    } catch (IOException e) {
      return List.of("cannot read " + dockerfile + ": " + e);
    }
    String copies = String.join(" ", text.lines().filter(l -> l.startsWith("COPY")).toList());
    for (String file : new ArrayList<>(List.of(HAPROXY_FILES.get(0), HAPROXY_FILES.get(1), KEEPALIVED_FILE))) {
      if (!copies.contains(file)) {
        problems.add(dockerfile.getFileName() + " no longer copies " + file + ", which the rehearsal runs");
      }
    }
    Path entrypoint = dockerfile.resolveSibling("lb-entrypoint.sh");
    try {
      String script = Files.readString(entrypoint);
      if (!script.matches("(?s).*haproxy .*-f \\S*/haproxy\\.cfg -f \\S*/backends-dns\\.cfg.*")) {
        problems.add(entrypoint.getFileName() + " no longer runs haproxy -f haproxy.cfg -f backends-dns.cfg");
      }
      if (!script.matches("(?s).*BEACON_LB_VRRP_PASSWORD_FILE.*\\$VRRP_AUTH_PASS=.*/etc/keepalived/"
          + Pattern.quote(VRRP_AUTH_PARAMS) + ".*")) {
        problems.add(entrypoint.getFileName() + " no longer writes $VRRP_AUTH_PASS from BEACON_LB_VRRP_PASSWORD_FILE "
            + "into /etc/keepalived/" + VRRP_AUTH_PARAMS + ", which the rehearsal writes too");
      }
    } catch (IOException e) {
      problems.add("cannot read " + entrypoint + ": " + e);
    }
    return problems;
  }

  private static final Pattern TEMPLATE = Pattern.compile(
      "^(\\s*)server-template\\s+(\\S+)\\s+\\S+\\s+\"\\$\\{BEACON_NODES_DNS}\":\"\\$\\{(\\w+)}\"\\s+check\\s+port\\s+"
          + "\"\\$\\{BEACON_MANAGEMENT_PORT}\"(.*)$");

  /** A node behind a backend: its address, traffic port and management (health check) port. */
  record Server(String name, String host, int port, int managementPort) {
  }

  /**
   * {@code backends-dns.cfg} with its DNS parts replaced: the {@code resolvers} section is dropped and each
   * {@code server-template} line becomes one {@code server} line per node of {@code servers} (keyed by the port
   * variable the template names, e.g. BEACON_COLLECTOR_PORT), with the same check; every other line is kept.
   *
   * @throws LocalStackException if a template has a form this renderer does not know (the file changed)
   */
  static String renderBackends(List<String> backendsDns, Map<String, List<Server>> servers) {
    StringBuilder out = new StringBuilder("# Rendered by the rehearsal (io.beacon.devstack.ComposeEdge) from "
        + "backends-dns.cfg: the nodes by address instead of by DNS.\n");
    boolean inResolvers = false;
    for (String line : backendsDns) {
      boolean topLevel = !line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#");
      if (topLevel) {
        inResolvers = line.startsWith("resolvers ");
      }
      if (inResolvers) {
        continue;
      }
      if (line.strip().startsWith("server-template")) {
        Matcher m = TEMPLATE.matcher(line);
        if (!m.matches()) {
          throw new LocalStackException("backends-dns.cfg: a server-template the rehearsal cannot render: " + line);
        }
        List<Server> nodes = servers.get(m.group(3));
        if (nodes == null || nodes.isEmpty()) {
          throw new LocalStackException("backends-dns.cfg: no rehearsal node serves ${" + m.group(3) + "}: " + line);
        }
        String rest = m.group(4).replaceAll("\\s+resolvers\\s+\\S+", "").replaceAll("\\s+init-addr\\s+\\S+", "");
        for (Server s : nodes) {
          out.append(m.group(1)).append("server ").append(m.group(2)).append('-').append(s.name()).append(' ')
              .append(s.host()).append(':').append(s.port()).append(" check port ").append(s.managementPort())
              .append(rest).append('\n');
        }
        continue;
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }

  private static Map<String, String> envFile(Path file, List<String> problems) {
    Map<String, String> env = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        int eq = l.indexOf('=');
        if (eq <= 0) {
          problems.add(file.getFileName() + ": not KEY=value: " + l);
          continue;
        }
        env.put(l.substring(0, eq), l.substring(eq + 1));
      }
    } catch (IOException e) {
      problems.add("cannot read " + file + ": " + e);
    }
    return env;
  }

  private static Map<String, String> params(Path file, List<String> problems) {
    Map<String, String> params = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        int eq = l.indexOf('=');
        if (!l.startsWith("$") || eq <= 0) {
          problems.add(file.getFileName() + ": not $NAME=value: " + l);
          continue;
        }
        params.put(l.substring(0, eq), l.substring(eq + 1));
      }
    } catch (IOException e) {
      problems.add("cannot read " + file + ": " + e);
    }
    return params;
  }
}
