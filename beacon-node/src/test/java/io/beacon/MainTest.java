package io.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real entry point, as an operator runs it: a bad config stops it at once, naming the key. */
class MainTest {
  @Test
  void invalidConfigExitsWithCode2AndNamesTheKey() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xmx64m", "-cp", System.getProperty("java.class.path"), "io.beacon.Main", "run"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("BEACON_HTTP_MANAGEMENT_PORT", "99999");
    pb.environment().put("BEACON_KAFKA_HITS_PARTITIONS", "zero");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("kafka.hits.partitions");
  }

  @Test
  void unknownArgumentIsAUsageError() throws Exception {
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), "io.beacon.Main", "--confg", "x.yaml")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("Unknown option: '--confg'");
  }

  @Test
  void noSparkIsAnOptionOfUpOnly() throws Exception {
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), "io.beacon.Main", "run", "--no-spark")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("--no-spark is an option of 'up'");
  }
}
