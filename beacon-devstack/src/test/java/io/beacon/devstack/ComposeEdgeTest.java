package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rehearsal's balancers come from docker-compose.yml and the repository's edge files (no servers started). */
class ComposeEdgeTest {
  private static final Path COMPOSE = Path.of("docker-compose.yml");

  @Test
  void composeBalancersAreTheRehearsalsBalancers() {
    ComposeEdge.Edge edge = ComposeEdge.read(COMPOSE);
    assertThat(edge.balancers()).extracting(ComposeEdge.Balancer::service).containsExactly("lb1", "lb2");
    assertThat(edge.haproxyConfigs()).extracting(p -> p.getFileName().toString())
        .containsExactly("haproxy.cfg", "backends-dns.cfg");
    assertThat(edge.keepalivedConf()).exists();
    for (ComposeEdge.Balancer lb : edge.balancers()) {
      assertThat(lb.haproxyEnv()).containsEntry("BEACON_LB_QUERY_TIMEOUT", "130s")
          .containsKey("BEACON_LB_STATS_PASSWORD_FILE").doesNotContainKey("BEACON_LB_STATS_PASSWORD")
          .containsEntry("BEACON_LB_VRRP_PASSWORD_FILE", "/run/secrets/lb_vrrp_password");
      assertThat(lb.params()).containsKeys("$PRIORITY", "$VRID", "$VIP");
    }
    // lb1 is the preferred master (it holds the VIP first; the fault kills its HAProxy).
    assertThat(Integer.parseInt(edge.balancers().get(0).params().get("$PRIORITY")))
        .isGreaterThan(Integer.parseInt(edge.balancers().get(1).params().get("$PRIORITY")));
  }

  @Test
  void theBackendsAreRenderedFromTheDnsFileWithOneServerPerNode() throws Exception {
    ComposeEdge.Edge edge = ComposeEdge.read(COMPOSE);
    String rendered = ComposeEdge.renderBackends(Files.readAllLines(edge.backendsDns()), Map.of(
        "BEACON_COLLECTOR_PORT", List.of(new ComposeEdge.Server("beacon-1", "10.0.0.1", 18080, 19464),
            new ComposeEdge.Server("beacon-2", "10.0.0.1", 18081, 19465)),
        "BEACON_QUERY_PORT", List.of(new ComposeEdge.Server("beacon-3", "10.0.0.1", 18182, 19466))));
    assertThat(rendered).contains("backend collector from beacon_collector", "backend query from beacon_query")
        .contains("server collector-beacon-1 10.0.0.1:18080 check port 19464\n",
            "server collector-beacon-2 10.0.0.1:18081 check port 19465\n",
            "server query-beacon-3 10.0.0.1:18182 check port 19466\n")
        .doesNotContain("server-template", "resolvers", "BEACON_NODES_DNS");

    assertThatThrownBy(() -> ComposeEdge.renderBackends(List.of("backend x from beacon_node",
        "    server-template x 3 \"${SOMETHING}\":80 check"), Map.of()))
        .isInstanceOf(LocalStackException.class).hasMessageContaining("cannot render");
  }

  /** The rendered configuration passes {@code haproxy -c -dW} with the rehearsal's environment. */
  @Test
  void theRenderedEdgeIsValidHaproxyAndKeepalivedConfiguration(@org.junit.jupiter.api.io.TempDir Path run)
      throws Exception {
    ComposeEdge.Edge edge = ComposeEdge.read(COMPOSE);
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    Rehearsal.Edge servers = Rehearsal.edge(Path.of("."), run, run.resolve("logs"), edge, nodes, new EdgeNetwork(2));
    assertThat(servers.haproxy()).hasSize(2);
    assertThat(servers.ingestUrl()).isEqualTo("http://" + EdgeNetwork.VIP + ":80");
    assertThat(servers.dashboardUrl()).isEqualTo("https://" + EdgeNetwork.VIP + ":8443");
    assertThat(Files.readString(run.resolve("edge/backends-rehearsal.cfg")))
        .contains("server collector-beacon-1 " + EdgeNetwork.HOST + ":" + Rehearsal.COLLECTOR_PORT)
        .contains("server query-beacon-3 " + EdgeNetwork.HOST + ":" + (Rehearsal.QUERY_PORT + 2));
  }

  /** VRRP's password reaches keepalived through the entrypoint; the rehearsal writes the same file. */
  @Test
  void anEntrypointThatNoLongerWritesTheVrrpPasswordFailsLoudly(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    assertThat(ComposeEdge.dockerfileProblems(Path.of(ComposeEdge.DOCKERFILE))).isEmpty();
    Files.copy(Path.of(ComposeEdge.DOCKERFILE), dir.resolve("lb.Dockerfile"));
    Files.writeString(dir.resolve("lb-entrypoint.sh"), Files.readString(Path.of("deploy/lb-entrypoint.sh"))
        .lines().filter(l -> !l.contains("vrrp-auth.params")).collect(java.util.stream.Collectors.joining("\n")));
    assertThat(ComposeEdge.dockerfileProblems(dir.resolve("lb.Dockerfile"))).singleElement().asString()
        .contains("no longer writes $VRRP_AUTH_PASS");
    assertThat(Files.readString(Path.of(ComposeEdge.KEEPALIVED_FILE)))
        .contains("include " + ComposeEdge.VRRP_AUTH_PARAMS, "auth_type AH", "auth_pass $VRRP_AUTH_PASS");
  }

  @Test
  void aKeyAddedToOrRemovedFromComposeFailsLoudly() {
    Set<String> env = new HashSet<>(ComposeEdge.HAPROXY_KEPT);
    env.addAll(ComposeEdge.HAPROXY_LOCALIZED);
    env.addAll(ComposeEdge.HAPROXY_BACKENDS);
    Set<String> params = new HashSet<>(ComposeEdge.PARAMS_KEPT);
    params.addAll(ComposeEdge.PARAMS_LOCALIZED);
    assertThat(ComposeEdge.keyProblems("lb1", env, params)).isEmpty();

    Set<String> added = new HashSet<>(env);
    added.add("BEACON_LB_NEW");
    assertThat(ComposeEdge.keyProblems("lb1", added, params)).singleElement().asString()
        .contains("BEACON_LB_NEW", "unknown to the rehearsal");
    Set<String> secret = new HashSet<>(env);
    secret.add("BEACON_LB_STATS_PASSWORD");
    assertThat(ComposeEdge.keyProblems("lb1", secret, params)).singleElement().asString().contains("secret file");
    Set<String> fewer = new HashSet<>(params);
    fewer.remove("$VRID");
    assertThat(ComposeEdge.keyProblems("lb1", env, fewer)).singleElement().asString().contains("no longer set $VRID");
  }

  @Test
  void theImageMustRunTheFilesTheRehearsalRuns(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    assertThat(ComposeEdge.dockerfileProblems(Path.of(ComposeEdge.DOCKERFILE))).isEmpty();
    Files.writeString(dir.resolve("lb.Dockerfile"), "FROM haproxy\nCOPY haproxy/haproxy.cfg /x/\n");
    Files.writeString(dir.resolve("lb-entrypoint.sh"), "exec haproxy -f /x/haproxy.cfg\n");
    assertThat(ComposeEdge.dockerfileProblems(dir.resolve("lb.Dockerfile")))
        .anyMatch(p -> p.contains("backends-dns.cfg")).anyMatch(p -> p.contains("keepalived/keepalived.conf"))
        .anyMatch(p -> p.contains("lb-entrypoint.sh"));
  }
}
