package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Argument handling of {@code beacon generate} and {@code beacon verify} (no node needed). */
class LoadgenCliTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String command, String... args) {
    return LoadgenCli.run(command, args, Map.of(), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void badUsageExitsTwoAndSaysWhy() {
    assertThat(run("generate")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Missing required option: '--property=");
    assertThat(run("generate", "--property", "B-1", "--protocol", "smoke")).isEqualTo(2);
    assertThat(run("generate", "--property", "B-1", "--duration", "5m")).isEqualTo(2);
    assertThat(run("generate", "--property", "B-1", "--geo-truth")).isEqualTo(2);
    assertThat(run("generate", "--property", "B-1@Mars/Olympus")).isEqualTo(2);
    assertThat(run("generate", "--property", "B-1", "--colector", "x")).isEqualTo(2);
    assertThat(run("verify", "--truth", "t.json")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--token (or BEACON_TOKEN) is required",
        "Unknown option", "'--colector'", "--duration needs --rate", "Invalid value for option '--protocol'",
        "--geo-truth needs --client-ips", "Mars/Olympus");
  }

  @Test
  void helpExitsZero() {
    assertThat(run("generate", "--help")).isZero();
    assertThat(run("verify", "--help")).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void propertySpecsAndDurations() {
    assertThat(LoadgenCli.property("B-7F3K2Q:s3cr3t@Europe/Berlin"))
        .isEqualTo(new TrafficPlan.Property("B-7F3K2Q", "s3cr3t", ZoneId.of("Europe/Berlin")));
    assertThat(LoadgenCli.property("B-7F3K2Q")).isEqualTo(new TrafficPlan.Property("B-7F3K2Q", null, ZoneId.of("UTC")));
    assertThat(LoadgenCli.duration("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(LoadgenCli.duration("10m")).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void thePlanIsTheSameForTheSameSeed() {
    TrafficPlan.Options o = TrafficPlan.Options.defaults(7, LoadgenCli.mix("mixed"));
    var props = java.util.List.of(new TrafficPlan.Property("B-1", "s", ZoneId.of("UTC")),
        new TrafficPlan.Property("B-2", "s", ZoneId.of("UTC")));
    var a = new TrafficPlan(props, o).journeys(2_000);
    var b = new TrafficPlan(props, o).journeys(2_000);
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).visitor()).isEqualTo(b.get(i).visitor());
      for (int r = 0; r < a.get(i).requests().size(); r++) {
        assertThat(a.get(i).requests().get(r).hits()).isEqualTo(b.get(i).requests().get(r).hits());
      }
    }
  }
}
