package io.beacon.infra.config;

import java.util.ArrayList;
import java.util.List;

/** Collects every configuration problem with the key it concerns, so one run reports them all. */
final class Validator {
  private final List<String> problems = new ArrayList<>();

  void require(boolean ok, String key, String message) {
    if (!ok) {
      problems.add(key + ": " + message);
    }
  }

  void notBlank(String value, String key) {
    require(value != null && !value.isBlank(), key, "is required");
  }

  void port(int port, String key) {
    require(port >= 0 && port <= 65535, key, "must be a port number 0-65535, was " + port);
  }

  void positive(long value, String key) {
    require(value > 0, key, "must be > 0, was " + value);
  }

  void hostPort(String value, String key) {
    notBlank(value, key);
    if (value != null && !value.isBlank()) {
      int colon = value.lastIndexOf(':');
      boolean ok = colon > 0 && colon < value.length() - 1;
      if (ok) {
        try {
          int p = Integer.parseInt(value.substring(colon + 1));
          ok = p > 0 && p <= 65535;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      require(ok, key, "must be host:port, was '" + value + "'");
    }
  }

  void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }
}
