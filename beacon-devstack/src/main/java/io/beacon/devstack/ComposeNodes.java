package io.beacon.devstack;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.Yaml;

/**
 * The Beacon nodes of {@code docker-compose.yml} ({@code beacon-N} services), read so the rehearsal runs the
 * very nodes operators run: the same role config file ({@code deploy/node-*.yaml}, from the service's volume on
 * {@code /etc/beacon/node.yaml}) and the same {@code BEACON_*} environment, with addresses and ports moved onto
 * this machine's loopback.
 *
 * <p>Every compose key must be known here, as either {@link #KEPT} (the value is used as it is) or
 * {@link #LOCALIZED} (the rehearsal substitutes its own address); a key compose gains or loses fails the
 * rehearsal (and {@code ComposeNodesTest}) until this class follows. {@link #REHEARSAL_ONLY} keys exist only
 * because several nodes share one host (ports) and must not appear in compose.
 */
final class ComposeNodes {

  /** Compose values the rehearsal runs unchanged. */
  static final Set<String> KEPT = Set.of(
      "BEACON_NODE_NAME",
      "BEACON_KAFKA_REPLICATION_FACTOR",
      "BEACON_CASSANDRA_REPLICATION_FACTOR",
      "BEACON_CLUSTER_MIN_MEMBERS",
      "BEACON_CLUSTER_MINORITY_EXIT_MS",
      // Mutual TLS between the nodes, as in compose (the stores and files: StoreAuth's cluster certificates).
      "BEACON_CLUSTER_TLS_ENABLED",
      // The dashboard reaches the nodes through the balancers' TLS frontend, as in compose.
      "BEACON_QUERY_SECURE_COOKIES",
      // The stores' users (StoreAuth): the rehearsal's Kafka, Cassandra and QuestDB have the same ones.
      "BEACON_KAFKA_SASL_USERNAME",
      "BEACON_CASSANDRA_USERNAME",
      "BEACON_QUESTDB_USER");

  /** Compose keys whose values name container hosts or paths: the rehearsal sets its own loopback value. */
  static final Set<String> LOCALIZED = Set.of(
      "BEACON_KAFKA_BOOTSTRAP",
      "BEACON_CASSANDRA_CONTACT_POINTS",
      "BEACON_QUESTDB_HTTP_URL",
      "BEACON_QUESTDB_PG_HOST",
      "BEACON_HTTP_MANAGEMENT_HOST",
      "BEACON_CLUSTER_HOST",
      "BEACON_CLUSTER_MEMBERS",
      "BEACON_CLUSTER_WORK_DIR",
      // Compose trusts its balancers' subnet; the rehearsal's balancers have addresses of the edge network.
      "BEACON_COLLECTOR_TRUSTED_PROXIES",
      "BEACON_QUERY_TRUSTED_PROXIES",
      // Secrets (/run/secrets/<name>): the rehearsal's generated file of that name (StoreAuth.localize).
      "BEACON_KAFKA_SASL_PASSWORD_FILE",
      "BEACON_CASSANDRA_PASSWORD_FILE",
      "BEACON_QUESTDB_PASSWORD_FILE",
      // The cluster's key and trust stores and their passwords: secrets too, made by ClusterCerts for the run.
      "BEACON_CLUSTER_TLS_KEY_STORE",
      "BEACON_CLUSTER_TLS_KEY_STORE_PASSWORD_FILE",
      "BEACON_CLUSTER_TLS_TRUST_STORE",
      "BEACON_CLUSTER_TLS_TRUST_STORE_PASSWORD_FILE",
      "BEACON_OPTS");

  /** Set by the rehearsal only: several nodes on one host need their own ports (and spool dirs, admin password). */
  static final Set<String> REHEARSAL_ONLY = Set.of(
      "BEACON_HTTP_COLLECTOR_HOST",
      "BEACON_HTTP_COLLECTOR_PORT",
      "BEACON_HTTP_QUERY_HOST",
      "BEACON_HTTP_QUERY_PORT",
      "BEACON_HTTP_MANAGEMENT_PORT",
      "BEACON_QUESTDB_PG_PORT",
      "BEACON_CLUSTER_DISCOVERY_PORT",
      "BEACON_CLUSTER_DISCOVERY_PORT_RANGE",
      "BEACON_CLUSTER_COMMUNICATION_PORT",
      "BEACON_CLUSTER_COMMUNICATION_PORT_RANGE",
      "BEACON_COLLECTOR_SPOOL_DIR",
      "BEACON_QUERY_ADMIN_PASSWORD");

  /** Where compose mounts a node's role config. */
  static final String CONFIG_MOUNT = "/etc/beacon/node.yaml";

  /**
   * One {@code beacon-N} service.
   *
   * @param env        its environment as compose defines it (anchors and merge keys resolved)
   * @param configFile the host file compose mounts as the node's config (e.g. deploy/node-ingest.yaml)
   * @param roles      role name to instances, from that file ({@code node.verticles})
   * @param restart    compose's restart policy ("unless-stopped", "no", ...)
   */
  record Node(String service, Map<String, String> env, Path configFile, Map<String, Integer> roles, String restart) {
    /** Whether compose restarts the node when it exits (as the rehearsal then does while it starts). */
    boolean restarts() {
      return List.of("always", "unless-stopped", "on-failure").contains(restart);
    }

    /** "collector+bridge": the roles with at least one instance. */
    String roleList() {
      List<String> on = new ArrayList<>();
      roles.forEach((role, n) -> {
        if (n > 0) {
          on.add(role);
        }
      });
      return String.join("+", on);
    }

    /** Runs the Kafka-to-QuestDB bridge (deploy/node-ingest.yaml). */
    boolean ingest() {
      return roles.getOrDefault("bridge", 0) > 0;
    }

    boolean collects() {
      return roles.getOrDefault("collector", 0) > 0;
    }

    boolean serves() {
      return roles.getOrDefault("query", 0) > 0;
    }
  }

  private ComposeNodes() {
  }

  /** The compose file's YAML (a map at its root). */
  static Map<String, Object> load(Path composeFile) {
    try (Reader reader = Files.newBufferedReader(composeFile)) {
      return new Yaml().load(reader);
    } catch (IOException | RuntimeException e) {
      throw new LocalStackException("cannot read " + composeFile + ": " + e, e);
    }
  }

  /**
   * Reads the {@code beacon-N} services of {@code composeFile} (paths relative to its directory).
   *
   * @throws LocalStackException if there is none, one has no config mount, or the key sets do not match (the
   *                             message lists every difference)
   */
  @SuppressWarnings("unchecked")
  static List<Node> read(Path composeFile) {
    Map<String, Object> root = ComposeNodes.load(composeFile);
    Path base = composeFile.toAbsolutePath().normalize().getParent();
    Map<String, Object> services = (Map<String, Object>) root.getOrDefault("services", Map.of());
    List<Node> nodes = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Object> service : services.entrySet()) {
      if (!service.getKey().matches("beacon-\\d+")) {
        continue;
      }
      Map<String, Object> definition = (Map<String, Object>) service.getValue();
      Map<String, String> env = new LinkedHashMap<>();
      Object environment = definition.get("environment");
      if (environment instanceof Map<?, ?> map) {
        map.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
      } else if (environment instanceof List<?> list) {
        for (Object item : list) {
          String[] kv = String.valueOf(item).split("=", 2);
          env.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
      }
      Path config = null;
      for (Object volume : (List<Object>) definition.getOrDefault("volumes", List.of())) {
        String[] parts = String.valueOf(volume).split(":");
        if (parts.length >= 2 && parts[1].equals(CONFIG_MOUNT)) {
          config = base.resolve(parts[0]).normalize();
        }
      }
      if (config == null) {
        problems.add(service.getKey() + " mounts no config on " + CONFIG_MOUNT);
        continue;
      }
      problems.addAll(keyProblems(service.getKey(), env.keySet()));
      nodes.add(new Node(service.getKey(), env, config, roles(config),
          String.valueOf(definition.getOrDefault("restart", "no"))));
    }
    if (nodes.isEmpty() && problems.isEmpty()) {
      problems.add("no beacon-N service");
    }
    if (!problems.isEmpty()) {
      throw new LocalStackException(composeFile + " and the rehearsal (io.beacon.devstack.ComposeNodes) disagree:\n- "
          + String.join("\n- ", problems));
    }
    return nodes;
  }

  /** Differences between a service's BEACON_* keys and what the rehearsal knows how to run. */
  static List<String> keyProblems(String service, Set<String> composeKeys) {
    List<String> problems = new ArrayList<>();
    Set<String> beaconKeys = new TreeSet<>();
    composeKeys.stream().filter(k -> k.startsWith("BEACON_")).forEach(beaconKeys::add);
    for (String key : beaconKeys) {
      if (REHEARSAL_ONLY.contains(key)) {
        problems.add(service + " sets " + key + ", which the rehearsal overrides for one host: move it to KEPT or LOCALIZED");
      } else if (!KEPT.contains(key) && !LOCALIZED.contains(key)) {
        problems.add(service + " sets " + key + ", unknown to the rehearsal: add it to KEPT or LOCALIZED");
      }
    }
    Set<String> expected = new TreeSet<>(KEPT);
    expected.addAll(LOCALIZED);
    expected.removeAll(beaconKeys);
    for (String key : expected) {
      problems.add(service + " no longer sets " + key + ", which the rehearsal sets: remove it from KEPT/LOCALIZED");
    }
    return problems;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Integer> roles(Path config) {
    Map<String, Integer> roles = new LinkedHashMap<>();
    try (Reader reader = Files.newBufferedReader(config)) {
      Map<String, Object> root = new Yaml().load(reader);
      Map<String, Object> node = (Map<String, Object>) root.getOrDefault("node", Map.of());
      Map<String, Object> verticles = (Map<String, Object>) node.getOrDefault("verticles", Map.of());
      verticles.forEach((role, v) -> roles.put(role,
          ((Number) ((Map<String, Object>) v).getOrDefault("instances", 0)).intValue()));
    } catch (IOException | RuntimeException e) {
      throw new LocalStackException("cannot read the node config " + config + ": " + e, e);
    }
    return roles;
  }
}
