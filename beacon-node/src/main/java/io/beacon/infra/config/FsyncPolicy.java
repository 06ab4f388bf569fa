package io.beacon.infra.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * When the collector's spool forces its writes to disk ({@code collector.spool.fsync}, spelled {@link #key()}):
 * before every answer, on a timer, or never (left to the OS).
 */
public enum FsyncPolicy {
  /** fsync before answering: an acknowledged hit survives a machine crash. */
  ALWAYS,
  /** fsync every {@code collector.spool.fsyncIntervalMs}. */
  INTERVAL,
  /** The page cache only: survives kill -9, not a power cut. */
  NEVER;

  @JsonValue
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the accepted spellings */
  @JsonCreator
  public static FsyncPolicy fromKey(String key) {
    for (FsyncPolicy p : values()) {
      if (p.key().equals(key)) {
        return p;
      }
    }
    throw new IllegalArgumentException("must be one of "
        + Arrays.stream(values()).map(FsyncPolicy::key).collect(Collectors.joining(", ")) + ", was '" + key + "'");
  }
}
