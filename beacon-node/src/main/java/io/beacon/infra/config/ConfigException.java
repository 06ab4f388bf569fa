package io.beacon.infra.config;

import java.util.List;

/** Thrown when the configuration is missing, malformed or invalid; the message names every offending key. */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("Invalid Beacon configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  /** One line per problem, each starting with the dotted key it concerns. */
  public List<String> problems() {
    return problems;
  }
}
