package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rehearsal's fixed ports: no two processes on one address share one (Alertmanager once took a broker's). */
class RehearsalPortsTest {

  @Test
  void noTwoProcessesShareAPort() {
    for (int nodes : List.of(3, 4, 8)) {
      for (Map.Entry<String, List<Integer>> host : Rehearsal.fixedPorts(nodes).entrySet()) {
        Set<Integer> seen = new HashSet<>();
        for (int port : host.getValue()) {
          assertThat(seen.add(port)).as("%s:%d listed twice with %d nodes", host.getKey(), port, nodes).isTrue();
        }
      }
    }
  }
}
