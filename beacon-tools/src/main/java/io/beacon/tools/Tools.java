package io.beacon.tools;

import io.beacon.cli.ApiCli;
import io.beacon.loadgen.LoadgenCli;
import java.util.Arrays;
import java.util.Set;

/**
 * The tools' entry point ({@code bin/beacon token|property|recompute|generate|verify ...}): admin commands against
 * a running node's API ({@link ApiCli}) and synthetic traffic with its ground truth ({@link LoadgenCli}).
 */
public final class Tools {
  private static final Set<String> ADMIN = Set.of("token", "property", "recompute");
  private static final Set<String> LOADGEN = Set.of("generate", "verify");

  private Tools() {
  }

  public static void main(String[] args) {
    String command = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    if (ADMIN.contains(command)) {
      System.exit(ApiCli.run(command, rest, System.getenv()));
    }
    if (LOADGEN.contains(command)) {
      System.exit(LoadgenCli.run(command, rest, System.getenv()));
    }
    System.err.println("beacon: unknown tool '" + command + "' (token, property, recompute, generate, verify)");
    System.exit(2);
  }
}
