package io.beacon.faults;

import io.beacon.devstack.LocalStack;
import io.beacon.testing.BenchMain;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Soak benchmark ({@code bin/bench-soak [seconds=600] [hitsPerSecond=50] [outFile=target/bench/soak.json]}): the
 * soak of {@link PipelineFaultTest} on a throw-away stack ({@code target/bench-soak}), for longer: two nodes, the
 * Spark job and a steady stream of tracker hits with retries, then the accounting identity (acknowledged = Kafka
 * distinct = QuestDB = Cassandra = report API), the live heap of each node after warm-up and at the end, and the
 * RSS of every process. Writes the figures as JSON; exits 1 if the identity does not hold or the heap grew.
 */
public final class SoakBenchmark {
  private SoakBenchmark() {}

  public static void main(String[] args) {
    BenchMain.run("SoakBenchmark", () -> run(args));
  }

  private static void run(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 600);
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Path out = Path.of(args.length > 2 ? args[2] : "target/bench/soak.json");
    Path home = Path.of(System.getProperty("beacon.home", "")).toAbsolutePath();
    Path data = home.resolve("target/bench-soak");
    BenchMain.deleteRecursively(data);
    JsonObject result = new JsonObject().put("benchmark", "soak").put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadAverageAtStart", BenchMain.loadAverage())
        .put("hitsPerSecond", rate);
    try (LocalStack stack = LocalStack.start(home, data.resolve("stack"), LocalStack.Ports.free(), false);
         SoakPipeline p = SoakPipeline.start(stack, data.resolve("pipeline"), List.of("soak"), rate)) {
      SoakPipeline.SoakResult soak = p.soak(duration);
      p.hits().stopSending();
      SoakPipeline.Identity identity = p.awaitIdentity("soak", Duration.ofMinutes(5));
      result.put("soak", soak.toJson()).put("identity", identity.toJson())
          .put("heapGrowth", soak.heapGrowth()).put("unexpectedExits", p.unexpectedExits)
          .put("loadAverageAtEnd", BenchMain.loadAverage());
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, result.encodePrettily());
      System.out.println(result.encodePrettily());
      if (!soak.heapGrowth().isEmpty()) {
        throw new AssertionError("live heap grew: " + soak.heapGrowth());
      }
    }
  }
}
