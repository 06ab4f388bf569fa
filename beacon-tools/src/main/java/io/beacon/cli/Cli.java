package io.beacon.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What every picocli command of the tools shares: where it writes and which environment it reads ({@link Io}),
 * the usage-error report (exit 2, picocli's message naming the option) and the version.
 */
public final class Cli {
  /** Bad usage: an unknown or missing option, a value that does not parse, a missing subcommand. */
  public static final int EXIT_USAGE = 2;

  private static final String USAGE = "Usage: ";

  private Cli() {
  }

  /**
   * The command's world: its environment (for the {@code BEACON_*} fallbacks; a map so tests need not set
   * variables) and its two streams, stdout for results and stderr for messages and progress.
   */
  public record Io(Map<String, String> env, PrintStream out, PrintStream err) {
    public static Io system() {
      return new Io(System.getenv(), System.out, System.err);
    }

    public String env(String name, String otherwise) {
      String v = env.get(name);
      return v == null ? otherwise : v;
    }
  }

  /**
   * Points {@code cl} and every subcommand it has now at {@code io}'s streams and makes a usage error exit 2
   * with {@code beacon: <picocli's message>}. Call it once the command tree is complete.
   */
  public static CommandLine configure(CommandLine cl, Io io) {
    return cl.setOut(new PrintWriter(io.out(), true)).setErr(new PrintWriter(io.err(), true))
        .setParameterExceptionHandler(Cli::usageError);
  }

  /**
   * {@code beacon: Unknown option: '--colector'}, picocli's suggestions, and where the help is. Unknown arguments
   * come first: picocli checks the required options before them, and a misspelt option is both.
   */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    if (!(e instanceof UnmatchedArgumentException) && !cl.getUnmatchedArguments().isEmpty()) {
      e = new UnmatchedArgumentException(cl, cl.getUnmatchedArguments());
    }
    PrintWriter err = cl.getErr();
    String message = String.valueOf(e.getMessage());
    err.println("beacon: " + (message.startsWith("Error: ") ? message.substring("Error: ".length()) : message));
    UnmatchedArgumentException.printSuggestions(e, err);
    err.print(USAGE + cl.getHelp().synopsis(USAGE.length()));
    err.println("See '" + cl.getCommandSpec().qualifiedName() + " --help'.");
    err.flush();
    return EXIT_USAGE;
  }

  /** The version the build stamped into the jar's manifest ("dev" when run from classes). */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Cli.class.getPackage().getImplementationVersion();
      return new String[] {"Beacon " + (v == null ? "dev" : v)};
    }
  }
}
