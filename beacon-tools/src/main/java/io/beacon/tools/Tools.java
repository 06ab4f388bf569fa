package io.beacon.tools;

import io.beacon.cli.AdminCommands;
import io.beacon.cli.ApiCli;
import io.beacon.cli.Cli;
import io.beacon.loadgen.LoadgenCli;
import io.beacon.loadgen.LoadgenCommands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The tools' entry point ({@code bin/beacon token|property|key-event|user|password|recompute|erase|annotation|generate|verify ...}): admin commands against
 * a running node's API ({@link ApiCli}) and synthetic traffic with its ground truth ({@link LoadgenCli}).
 */
@Command(name = "beacon", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {"Beacon's tools: admin commands against a running node's API, and synthetic traffic with its "
        + "ground truth.", ""},
    commandListHeading = "%nCommands:%n",
    footer = {"", "Run 'beacon COMMAND --help' for a command's options."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:a job failed, requests were given up, or the truth differs",
        "2:usage", "3:the API refused or is unreachable (the admin commands)"})
public final class Tools {
  private Tools() {
  }

  public static void main(String[] args) {
    System.exit(run(args, Cli.Io.system()));
  }

  /** Runs {@code beacon ARGS} with {@code io}'s environment and streams; returns the exit code. */
  public static int run(String[] args, Cli.Io io) {
    return commandLine(io).execute(args);
  }

  /** {@code beacon} and its commands, writing to {@code io}'s streams. */
  static CommandLine commandLine(Cli.Io io) {
    CommandLine cl = new CommandLine(new Tools());
    AdminCommands.commands(io).forEach(cl::addSubcommand);
    LoadgenCommands.commands(io).forEach(cl::addSubcommand);
    cl.addSubcommand(new CommandLine(new io.beacon.cli.ClusterCerts(io)));
    return Cli.configure(cl, io);
  }
}
