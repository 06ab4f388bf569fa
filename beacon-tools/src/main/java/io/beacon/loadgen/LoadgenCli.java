package io.beacon.loadgen;

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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code beacon generate} and {@code beacon verify}:
 *
 * <pre>
 *   beacon generate --property ID[:SECRET][@ZONE] ... [--collector URL] [--hits N | --duration D --rate R]
 *                   [--rate R] [--concurrency C] [--protocol tracker|mp|ua|mixed] [--seed S] [--truth FILE]
 *                   [--client-ips [--geo-truth]] [--pages N] [--bot-share X] [--late-share X] [--duplicate-share X]
 *                   [--key-events a,b] [--give-up-after D]
 *   beacon verify --truth FILE [--url URL] [--token T]
 * </pre>
 *
 * {@code generate} sends the traffic and writes the ground truth of what was acknowledged; {@code verify} runs
 * the reports and prints every difference. Exit codes: 0 done / no difference, 1 requests given up / differences,
 * 2 usage.
 */
public final class LoadgenCli {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final String USAGE = """
      usage: beacon generate --property ID[:SECRET][@ZONE] [--property ...] [--collector URL (http://localhost:8080)]
                             [--hits N (10000) | --duration D (e.g. 90s, 10m) --rate R] [--rate HITS_PER_S (0: as fast as possible)]
                             [--concurrency C (8)] [--protocol tracker|mp|ua|mixed] [--seed S (1)] [--truth FILE (loadgen-truth.json)]
                             [--client-ips [--geo-truth]] [--pages N (200)] [--bot-share X (0.03)] [--late-share X (0.2)]
                             [--duplicate-share X (0.03)] [--key-events sign_up,purchase] [--give-up-after D (1m)]
             beacon verify --truth FILE [--url URL (default $BEACON_URL or http://localhost:8081)] [--token T (default $BEACON_TOKEN)]
        --give-up-after: how long one request is retried (503, 429, connection errors) before it is given up.
        --client-ips: send each visitor's address (X-Forwarded-For; uip for UA): the node must list this host in
                      collector.trustedProxies. --geo-truth: the node's geo database maps the generator's networks
                      (io.beacon.loadgen.GeoTable) as the table says; else country/region/city stay out of the truth.
        Properties must mark the --key-events as key events; MP needs the property's api secret. Use a new seed (or
        property) per run: the collector remembers clients, so a repeated MP/UA client is no longer new.""";

  private LoadgenCli() {}

  /** Runs {@code command} ("generate" or "verify") with {@code args}; returns the exit code. */
  public static int run(String command, String[] args, Map<String, String> env) {
    return run(command, args, env, System.out, System.err);
  }

  static int run(String command, String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Map<String, List<String>> opts = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        out.println(USAGE);
        return EXIT_OK;
      }
      if (!a.startsWith("--")) {
        return usage(err, "unexpected argument '" + a + "'");
      }
      String key = a.substring(2);
      if (key.equals("client-ips") || key.equals("geo-truth")) {
        opts.computeIfAbsent(key, k -> new ArrayList<>()).add("true");
      } else if (i + 1 >= args.length) {
        return usage(err, a + " needs a value");
      } else {
        opts.computeIfAbsent(key, k -> new ArrayList<>()).add(args[++i]);
      }
    }
    try {
      return switch (command) {
        case "generate" -> generate(opts, out, err);
        case "verify" -> verify(opts, env, out, err);
        default -> usage(err, "unknown command " + command);
      };
    } catch (IllegalArgumentException | DateTimeException e) {
      return usage(err, e.getMessage());
    } catch (IOException e) {
      err.println("beacon: " + e);
      return EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_FAILED;
    }
  }

  private static int generate(Map<String, List<String>> opts, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    known(opts, Set.of("property", "collector", "hits", "duration", "rate", "concurrency", "protocol", "seed", "truth",
        "client-ips", "geo-truth", "pages", "bot-share", "late-share", "duplicate-share", "key-events", "give-up-after"));
    List<TrafficPlan.Property> properties = new ArrayList<>();
    for (String spec : opts.getOrDefault("property", List.of())) {
      properties.add(property(spec));
    }
    if (properties.isEmpty()) {
      throw new IllegalArgumentException("--property is required");
    }
    double rate = number(opts, "rate", 0);
    long hits = (long) number(opts, "hits", 10_000);
    if (opts.containsKey("duration")) {
      if (opts.containsKey("hits") || rate <= 0) {
        throw new IllegalArgumentException("--duration needs --rate and excludes --hits");
      }
      hits = (long) (rate * duration(one(opts, "duration")).toMillis() / 1000.0);
    }
    boolean clientIps = opts.containsKey("client-ips");
    boolean geo = opts.containsKey("geo-truth");
    if (geo && !clientIps) {
      throw new IllegalArgumentException("--geo-truth needs --client-ips");
    }
    Map<Protocol, Double> mix = mix(opts.containsKey("protocol") ? one(opts, "protocol") : "mixed");
    long seed = (long) number(opts, "seed", 1);
    Set<String> keyEvents = opts.containsKey("key-events") ? Set.of(one(opts, "key-events").split(","))
        : Set.of("sign_up", "purchase");
    TrafficPlan.Options o = new TrafficPlan.Options(seed, (int) number(opts, "pages", 200), 1.1,
        number(opts, "bot-share", 0.03), number(opts, "late-share", 0.2), number(opts, "duplicate-share", 0.03), mix,
        keyEvents);
    Path truthFile = Path.of(opts.containsKey("truth") ? one(opts, "truth") : "loadgen-truth.json");
    URI collector = URI.create(opts.containsKey("collector") ? one(opts, "collector") : "http://localhost:8080");
    int concurrency = (int) number(opts, "concurrency", 8);

    Duration giveUp = opts.containsKey("give-up-after") ? duration(one(opts, "give-up-after")) : Duration.ofMinutes(1);
    Result r = generate(properties, o, hits, new Sender.Config(collector, clientIps, rate, concurrency, giveUp), geo);
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
    Sender.Stats stats = new Sender(config, secrets, truth).send(plan.journeys(hits));
    JsonObject json = truth.toJson();
    json.put("generator", new JsonObject().put("seed", options.seed()).put("hits", stats.hits())
        .put("botHits", stats.bots()).put("requests", stats.requests()).put("duplicateRequests", stats.duplicateRequests())
        .put("retries", stats.retries()).put("failures", new JsonArray(stats.failures()))
        .put("protocolMix", new JsonObject(new HashMap<>(Map.copyOf(options.mix().entrySet().stream()
            .collect(java.util.stream.Collectors.toMap(e -> e.getKey().name().toLowerCase(), Map.Entry::getValue))))))
        .put("keyEvents", new JsonArray(List.copyOf(options.keyEvents()))));
    json.put("notes", new JsonArray()
        .add("dates are local days of each property; a hit without a stated event time is dated by its send time")
        .add("distinct counts: exact up to 100, +-1 up to 3000, +-2.44% above (HLL lgK 14)")
        .add(geo ? "geo from io.beacon.loadgen.GeoTable" : "no geo dimensions: the node's geo database is not known"));
    return new Result(json, stats);
  }

  private static int verify(Map<String, List<String>> opts, Map<String, String> env, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    known(opts, Set.of("truth", "url", "token"));
    if (!opts.containsKey("truth")) {
      throw new IllegalArgumentException("--truth is required");
    }
    String url = opts.containsKey("url") ? one(opts, "url") : env.getOrDefault("BEACON_URL", "http://localhost:8081");
    String token = opts.containsKey("token") ? one(opts, "token") : env.getOrDefault("BEACON_TOKEN", "");
    if (token.isBlank()) {
      throw new IllegalArgumentException("--token (or BEACON_TOKEN) is required");
    }
    JsonObject truth = new JsonObject(Files.readString(Path.of(one(opts, "truth"))));
    List<String> diffs = new AccuracyCheck(URI.create(url), token).check(truth);
    diffs.forEach(out::println);
    int reports = truth.getJsonArray("properties").stream()
        .mapToInt(p -> ((JsonObject) p).getJsonArray("reports").size()).sum();
    out.println(diffs.isEmpty() ? "all " + reports + " reports match the truth"
        : diffs.size() + " differences in " + reports + " reports");
    return diffs.isEmpty() ? EXIT_OK : EXIT_FAILED;
  }

  /** {@code ID[:SECRET][@ZONE]}. */
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
      throw new IllegalArgumentException("--property needs an id: ID[:SECRET][@ZONE]");
    }
    return new TrafficPlan.Property(id, secret, ZoneId.of(zone));
  }

  static Map<Protocol, Double> mix(String protocol) {
    Map<Protocol, Double> mix = new EnumMap<>(Protocol.class);
    switch (protocol) {
      case "tracker" -> mix.put(Protocol.TRACKER, 1.0);
      case "mp" -> mix.put(Protocol.MP, 1.0);
      case "ua" -> mix.put(Protocol.UA, 1.0);
      case "mixed" -> {
        mix.put(Protocol.TRACKER, 0.6);
        mix.put(Protocol.MP, 0.25);
        mix.put(Protocol.UA, 0.15);
      }
      default -> throw new IllegalArgumentException("--protocol must be tracker, mp, ua or mixed, was '" + protocol + "'");
    }
    return mix;
  }

  static Duration duration(String s) {
    try {
      if (s.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(s));
      }
      return Duration.parse("PT" + s.toUpperCase());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("--duration must be like 90, 90s, 10m or 1h, was '" + s + "'");
    }
  }

  private static void known(Map<String, List<String>> opts, Set<String> allowed) {
    for (String k : opts.keySet()) {
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException("unknown option --" + k);
      }
    }
  }

  private static String one(Map<String, List<String>> opts, String key) {
    List<String> v = opts.get(key);
    if (v.size() > 1) {
      throw new IllegalArgumentException("--" + key + " given twice");
    }
    return v.get(0);
  }

  private static double number(Map<String, List<String>> opts, String key, double dflt) {
    if (!opts.containsKey(key)) {
      return dflt;
    }
    try {
      return Double.parseDouble(one(opts, key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " must be a number, was '" + one(opts, key) + "'");
    }
  }

  private static int usage(PrintStream err, String problem) {
    err.println("beacon: " + problem + "\n" + USAGE);
    return EXIT_USAGE;
  }
}
