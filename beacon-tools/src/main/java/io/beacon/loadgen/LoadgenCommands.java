package io.beacon.loadgen;

import io.beacon.cli.Cli;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The command lines of {@code beacon generate} and {@code beacon verify}: options only, the work is
 * {@link LoadgenCli}'s.
 */
public final class LoadgenCommands {
  private static final String EXIT_CODES_HEADING = "%nExit codes:%n";

  private LoadgenCommands() {
  }

  /** The commands, for {@code beacon}'s command line. */
  public static List<CommandLine> commands(Cli.Io io) {
    return List.of(new CommandLine(new Generate(io)), new CommandLine(new Verify(io)));
  }

  /** {@link LoadgenCli#run}: one command on its own, as {@code beacon COMMAND}. */
  static int run(String command, String[] args, Cli.Io io) {
    for (CommandLine cl : commands(io)) {
      if (cl.getCommandName().equals(command)) {
        cl.setCommandName("beacon " + command);
        return Cli.configure(cl, io).execute(args);
      }
    }
    io.err().println("beacon: unknown command '" + command + "' (generate, verify)");
    return Cli.EXIT_USAGE;
  }

  @Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      sortOptions = false,
      description = {"Sends synthetic traffic (Beacon's tracker, gtag.js, GA4 Measurement Protocol, Universal "
          + "Analytics) to a collector and writes the ground truth of what it acknowledged. The plan starts with a "
          + "catalog of scripted journeys, one per rule of the analytics model (sessions across midnight, first "
          + "hits sent last, engagement at exactly 10 s, utm on later pages, self-referrals, every channel group, "
          + "MP device and location, missing User-Agents, bots, duplicates): any --hits covers them all.", ""},
      footer = {"", "Properties must mark the --key-events as key events; MP needs the property's api secret. Use a "
          + "new seed (or property) per run: Beacon remembers clients, so a repeated client is no longer new. "
          + "The smallest plan that covers every scenario: --hits 1."},
      exitCodeListHeading = EXIT_CODES_HEADING,
      exitCodeList = {"0:done", "1:requests were given up (listed on stderr), or the truth could not be written",
          "2:usage"})
  static final class Generate implements Callable<Integer> {
    private final Cli.Io io;

    @Spec
    CommandSpec spec;

    @Option(names = "--property", paramLabel = "ID[:SECRET][@ZONE]", required = true, converter = PropertySpec.class,
        description = "A property to send to, with its api secret (MP) and time zone (default UTC); repeatable.")
    List<TrafficPlan.Property> properties;

    @Option(names = "--collector", paramLabel = "URL", split = ",", defaultValue = "http://localhost:8080",
        description = "The collector (default: ${DEFAULT-VALUE}); several, comma-separated: journeys take turns and "
            + "a retry goes to the next one, as through a load balancer.")
    List<URI> collectors;

    @Option(names = "--hits", paramLabel = "N", description = "How many hits (default: 10000).")
    Long hits;

    @Option(names = "--duration", paramLabel = "D", converter = DurationSpec.class,
        description = "Instead of --hits: send for D (e.g. 90s, 10m) at --rate.")
    Duration duration;

    @Option(names = "--rate", paramLabel = "HITS_PER_S", defaultValue = "0",
        description = "Hits per second (default: ${DEFAULT-VALUE}: as fast as possible).")
    double rate;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8",
        description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--protocol", paramLabel = "tracker|gtag|mp|ua|mixed", defaultValue = "mixed",
        converter = ProtocolSpec.class, description = "What to send (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
        description = "The plan's seed: the same seed plans the same traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--truth", paramLabel = "FILE", defaultValue = "loadgen-truth.json",
        description = "The truth file (default: ${DEFAULT-VALUE}).")
    Path truth;

    @Option(names = "--client-ips", description = "Send each visitor's address (X-Forwarded-For; uip for UA): the "
        + "node must list this host in collector.trustedProxies.")
    boolean clientIps;

    @Option(names = "--geo-truth", description = "With --client-ips: the node's geo database maps the generator's "
        + "networks (io.beacon.loadgen.GeoTable) as the table says; else country/region/city stay out of the truth.")
    boolean geoTruth;

    @Option(names = "--pages", paramLabel = "N", defaultValue = "200",
        description = "Pages per property (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--bot-share", paramLabel = "X", defaultValue = "0.03",
        description = "Share of bot visitors (default: ${DEFAULT-VALUE}).")
    double botShare;

    @Option(names = "--late-share", paramLabel = "X", defaultValue = "0.2",
        description = "Share of hits with an earlier event time (default: ${DEFAULT-VALUE}).")
    double lateShare;

    @Option(names = "--duplicate-share", paramLabel = "X", defaultValue = "0.03",
        description = "Share of requests sent twice (default: ${DEFAULT-VALUE}).")
    double duplicateShare;

    @Option(names = "--key-events", paramLabel = "EVENT", split = ",", defaultValue = "sign_up,purchase",
        description = "The key events, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> keyEvents;

    @Option(names = "--no-scenarios", description = "Random journeys only, without the scripted catalog.")
    boolean noScenarios;

    @Option(names = "--give-up-after", paramLabel = "D", defaultValue = "1m", converter = DurationSpec.class,
        description = "How long one request is retried (503, 429, connection errors) before it is given up "
            + "(default: ${DEFAULT-VALUE}).")
    Duration giveUpAfter;

    Generate(Cli.Io io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      long n = hits == null ? 10_000 : hits;
      if (duration != null) {
        if (hits != null || rate <= 0) {
          throw new ParameterException(spec.commandLine(), "--duration needs --rate and excludes --hits");
        }
        n = (long) (rate * duration.toMillis() / 1000.0);
      }
      if (geoTruth && !clientIps) {
        throw new ParameterException(spec.commandLine(), "--geo-truth needs --client-ips");
      }
      TrafficPlan.Options options = new TrafficPlan.Options(seed, pages, 1.1, botShare, lateShare, duplicateShare,
          LoadgenCli.mix(protocol), new LinkedHashSet<>(keyEvents), !noScenarios);
      Sender.Config config = new Sender.Config(collectors, clientIps, rate, concurrency, giveUpAfter);
      try {
        return LoadgenCli.generate(properties, options, n, config, geoTruth, truth, io.out(), io.err());
      } catch (IOException e) {
        io.err().println("beacon: " + e);
        return LoadgenCli.EXIT_FAILED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return LoadgenCli.EXIT_FAILED;
      }
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
      sortOptions = false,
      description = {"Runs the reports of a ground truth (from generate) against a node and prints every "
          + "difference on stdout.", ""},
      exitCodeListHeading = EXIT_CODES_HEADING,
      exitCodeList = {"0:every report matches", "1:differences, or the truth could not be read", "2:usage"})
  static final class Verify implements Callable<Integer> {
    private final Cli.Io io;

    @Spec
    CommandSpec spec;

    @Option(names = "--truth", paramLabel = "FILE", required = true, description = "The ground truth.")
    Path truth;

    @Option(names = "--url", paramLabel = "URL",
        description = {"The node's API.", "Default: $BEACON_URL, else http://localhost:8081."})
    String url;

    @Option(names = "--token", paramLabel = "T", description = {"API token.", "Default: $BEACON_TOKEN."})
    String token;

    Verify(Cli.Io io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      String api = url != null ? url : io.env("BEACON_URL", "http://localhost:8081");
      String t = token != null ? token : io.env("BEACON_TOKEN", "");
      if (t.isBlank()) {
        throw new ParameterException(spec.commandLine(), "--token (or BEACON_TOKEN) is required");
      }
      URI uri;
      try {
        uri = URI.create(api);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "Invalid value for option '--url': " + e.getMessage());
      }
      try {
        return LoadgenCli.verify(truth, uri, t, io.out());
      } catch (IOException e) {
        io.err().println("beacon: " + e);
        return LoadgenCli.EXIT_FAILED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return LoadgenCli.EXIT_FAILED;
      }
    }
  }

  /** {@code --property ID[:SECRET][@ZONE]}. */
  static final class PropertySpec implements ITypeConverter<TrafficPlan.Property> {
    @Override
    public TrafficPlan.Property convert(String value) {
      try {
        return LoadgenCli.property(value);
      } catch (IllegalArgumentException | DateTimeException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code 90}, {@code 90s}, {@code 10m}, {@code 1h}. */
  static final class DurationSpec implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return LoadgenCli.duration(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code tracker|gtag|mp|ua|mixed}, checked when parsed. */
  static final class ProtocolSpec implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        LoadgenCli.mix(value);
        return value;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
