package io.beacon.loadgen;

import io.beacon.cli.Cli;
import io.beacon.loadgen.PlannedRequest.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code beacon generate} and {@code beacon verify}:
 *
 * <pre>
 *   beacon generate --property ID[:SECRET][@ZONE] ... [--collector URL] [--hits N | --duration D --rate R]
 *                   [--rate R] [--concurrency C] [--protocol tracker|gtag|mp|ua|mixed] [--seed S] [--truth FILE]
 *                   [--client-ips [--geo-truth]] [--pages N] [--bot-share X] [--late-share X] [--duplicate-share X]
 *                   [--key-events a,b] [--no-scenarios] [--give-up-after D]
 *   beacon verify --truth FILE [--url URL] [--token T]
 * </pre>
 *
 * {@code generate} sends the traffic and writes the ground truth of what was acknowledged; {@code verify} runs
 * the reports and prints every difference. Exit codes: 0 done / no difference, 1 requests given up / differences,
 * 2 usage.
 *
 * <p>This class does the work and parses the option values; the command lines are {@link LoadgenCommands}'.
 */
public final class LoadgenCli {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;

  private LoadgenCli() {}

  /** Runs {@code command} ("generate" or "verify") with {@code args}; returns the exit code. */
  public static int run(String command, String[] args, Map<String, String> env) {
    return run(command, args, env, System.out, System.err);
  }

  static int run(String command, String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    return LoadgenCommands.run(command, args, new Cli.Io(env, out, err));
  }

  /**
   * {@code beacon generate}: sends the traffic, writes the truth of what was acknowledged to {@code truthFile} and
   * prints a summary; 1 when requests were given up.
   */
  static int generate(List<TrafficPlan.Property> properties, TrafficPlan.Options options, long hits,
      Sender.Config config, boolean geo, Path truthFile, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    Result r = generate(properties, options, hits, config, geo);
    Files.writeString(truthFile, r.truth().encodePrettily());
    Sender.Stats s = r.stats();
    out.printf("sent %d hits (%d bots) in %d requests (%d duplicates, %d retries) in %.1f s: %.0f hits/s; truth in %s%n",
        s.hits(), s.bots(), s.requests(), s.duplicateRequests(), s.retries(), s.elapsed().toMillis() / 1000.0,
        s.hitsPerSecond(), truthFile);
    if (!s.failures().isEmpty()) {
      err.println("beacon: " + s.failures().size() + " requests were given up (not in the truth; the truth may be off "
          + "by whatever of them the collector took):");
      s.failures().stream().limit(20).forEach(f -> err.println("  " + f));
      return EXIT_FAILED;
    }
    return EXIT_OK;
  }

  /** What a generate run produced: the truth file's JSON and the sender's figures. */
  public record Result(JsonObject truth, Sender.Stats stats) {}

  /** Plans, sends and computes the truth; for the CLI and tests. */
  public static Result generate(List<TrafficPlan.Property> properties, TrafficPlan.Options options, long hits,
      Sender.Config config, boolean geo) throws InterruptedException {
    Map<String, ZoneId> zones = new LinkedHashMap<>();
    Map<String, String> secrets = new HashMap<>();
    properties.forEach(p -> {
      zones.put(p.id(), p.zone());
      if (p.apiSecret() != null) {
        secrets.put(p.id(), p.apiSecret());
      }
    });
    TrafficPlan plan = new TrafficPlan(properties, options);
    GroundTruth truth = new GroundTruth(zones, geo);
    properties.forEach(p -> truth.sessionSettings(p.id(), p.sessionTimeoutMs(), p.engagedAfterMs()));
    Sender.Stats stats = new Sender(config, secrets, truth).send(plan.journeys(hits));
    JsonObject json = truth.toJson();
    json.put("generator", new JsonObject().put("seed", options.seed()).put("scenarios", plan.scenarioCount())
        .put("hits", stats.hits())
        .put("botHits", stats.bots()).put("requests", stats.requests()).put("duplicateRequests", stats.duplicateRequests())
        .put("retries", stats.retries()).put("failures", new JsonArray(stats.failures()))
        .put("protocolMix", new JsonObject(new HashMap<>(Map.copyOf(options.mix().entrySet().stream()
            .collect(java.util.stream.Collectors.toMap(e -> e.getKey().name().toLowerCase(), Map.Entry::getValue))))))
        .put("keyEvents", new JsonArray(List.copyOf(options.keyEvents()))));
    json.put("notes", new JsonArray()
        .add("dates are local days of each property; a hit without a stated event time is dated by its send time "
            + "(less UA's qt)")
        .add("the properties are assumed to have seen none of these clients before (newUsers, newVsReturning)")
        .add("distinct counts: exact up to 100, +-1 up to 2000, +-2 up to 6000, +-1.22% above (HLL_4 lgK 16)")
        .add(geo ? "geo from io.beacon.loadgen.GeoTable" : "no geo dimensions: the node's geo database is not known"));
    return new Result(json, stats);
  }

  /** {@code beacon verify}: runs the truth's reports, prints every difference; 1 when there is one. */
  static int verify(Path truthFile, URI url, String token, PrintStream out) throws IOException, InterruptedException {
    JsonObject truth = new JsonObject(Files.readString(truthFile));
    List<String> diffs = new AccuracyCheck(url, token).check(truth);
    diffs.forEach(out::println);
    int reports = truth.getJsonArray("properties").stream()
        .mapToInt(p -> ((JsonObject) p).getJsonArray("reports").size()).sum();
    out.println(diffs.isEmpty() ? "all " + reports + " reports match the truth"
        : diffs.size() + " differences in " + reports + " reports");
    return diffs.isEmpty() ? EXIT_OK : EXIT_FAILED;
  }

  /** {@code ID[:SECRET][@ZONE]}; an {@link IllegalArgumentException} or {@link DateTimeException} says what is wrong. */
  static TrafficPlan.Property property(String spec) {
    String zone = "UTC";
    int at = spec.indexOf('@');
    if (at >= 0) {
      zone = spec.substring(at + 1);
      spec = spec.substring(0, at);
    }
    int colon = spec.indexOf(':');
    String id = colon < 0 ? spec : spec.substring(0, colon);
    String secret = colon < 0 ? null : spec.substring(colon + 1);
    if (id.isBlank()) {
      throw new IllegalArgumentException("needs an id: ID[:SECRET][@ZONE]");
    }
    return new TrafficPlan.Property(id, secret, ZoneId.of(zone));
  }

  static Map<Protocol, Double> mix(String protocol) {
    Map<Protocol, Double> mix = new EnumMap<>(Protocol.class);
    switch (protocol) {
      case "tracker" -> mix.put(Protocol.TRACKER, 1.0);
      case "gtag" -> mix.put(Protocol.GTAG, 1.0);
      case "mp" -> mix.put(Protocol.MP, 1.0);
      case "ua" -> mix.put(Protocol.UA, 1.0);
      case "mixed" -> {
        mix.put(Protocol.TRACKER, 0.4);
        mix.put(Protocol.GTAG, 0.2);
        mix.put(Protocol.MP, 0.25);
        mix.put(Protocol.UA, 0.15);
      }
      default -> throw new IllegalArgumentException("must be tracker, gtag, mp, ua or mixed, was '" + protocol + "'");
    }
    return mix;
  }

  /** {@code 90} (seconds), {@code 90s}, {@code 10m}, {@code 1h}, {@code 1h30m}. */
  static Duration duration(String s) {
    try {
      if (s.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(s));
      }
      return Duration.parse("PT" + s.toUpperCase());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("must be like 90, 90s, 10m or 1h, was '" + s + "'");
    }
  }
}
