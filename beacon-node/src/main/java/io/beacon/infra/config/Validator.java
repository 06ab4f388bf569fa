package io.beacon.infra.config;

import io.beacon.store.cassandra.ContactPoints;
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

  /** A Cassandra contact point, as the sessions will parse it ({@link ContactPoints}). */
  void contactPoint(String value, String key) {
    notBlank(value, key);
    if (value != null && !value.isBlank()) {
      try {
        ContactPoints.parse(value);
      } catch (IllegalArgumentException e) {
        require(false, key, e.getMessage());
      }
    }
  }

  void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }
}
