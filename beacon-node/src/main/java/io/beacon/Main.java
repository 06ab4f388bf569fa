package io.beacon;

import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigException;
import io.beacon.infra.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The node jar's entry point: {@code beacon [run] [--config FILE]} runs one node with the roles and stores its
 * configuration names (file, then {@code BEACON_*} environment variables). The local stack ({@code beacon up})
 * is the dev stack's, and the admin and load-generator commands are beacon-tools': both talk to a node, neither
 * is part of it.
 *
 * <p>Exit codes: 0 clean stop, 1 start failure, 2 bad configuration or usage, 75 the node was cut off from its
 * cluster and left it (its supervisor should restart it).
 */
@Command(name = "beacon", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runs one Beacon node: the roles and stores its configuration names.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:clean stop", "1:start failure", "2:bad configuration or usage",
        "75:cut off from its cluster (restart it)"})
public final class Main implements Callable<Integer> {
  static final int EXIT_START_FAILED = 1;
  static final int EXIT_CONFIG = 2;
  /** call()'s answer when the node is up: main returns and the node's threads keep the JVM alive. */
  private static final int RUNNING = -1;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "run", description = "The command: run (the default).")
  String command;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration (defaults, then this file, "
      + "then BEACON_* environment variables).")
  Path configFile;

  @Option(names = "--no-spark", hidden = true)
  boolean noSpark;

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != RUNNING) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    if (command != null && !command.equals("run")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "unknown command '" + command
          + "': the node runs nodes (`beacon up` is the dev stack's; token, property, recompute, generate and verify"
          + " are beacon-tools')");
    }
    if (noSpark) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--no-spark is an option of 'up' (a production node never starts the job)");
    }
    BeaconConfig config;
    try {
      config = ConfigLoader.load(configFile, System.getenv());
    } catch (ConfigException e) {
      System.err.println("beacon: " + e.getMessage());
      return EXIT_CONFIG;
    }
    boolean up = NodeRunner.startAndAwait(config,
        stop -> Runtime.getRuntime().addShutdownHook(new Thread(stop, "beacon-shutdown")));
    return up ? RUNNING : EXIT_START_FAILED;
  }

  /** The version the build stamped into the node jar's manifest ("dev" when run from classes); `beacon up` too. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"Beacon " + (v == null ? "dev" : v)};
    }
  }
}
