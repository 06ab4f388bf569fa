package io.beacon.store.cassandra;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The ids of the streams a property's existing tags send to ({@code properties.stream_ids}), so a site or app tagged
 * for Google Analytics sends to Beacon unchanged: a GA4 web stream's measurement id ({@code G-XXXXXXXXXX}), a
 * Universal Analytics tracking id ({@code UA-12345678-1}) or a Firebase app id ({@code 1:1234567890:android:0a1b2c3d}).
 * The admin API stores them as {@link #normalize} spells them and refuses one another property has; the collector
 * looks up the id a hit names ({@code measurement_id}, {@code tid}, {@code firebase_app_id}) the same way.
 */
public final class StreamIds {
  /** The most stream ids one property carries. */
  public static final int MAX_PER_PROPERTY = 20;

  /** What kind of stream an id names. */
  public enum Kind {
    /** A GA4 web stream's measurement id. */
    GA4_WEB("G-[A-Z0-9]{4,20}"),
    /** A Universal Analytics property's tracking id: account, property index. */
    UNIVERSAL("UA-[0-9]{1,12}-[0-9]{1,4}"),
    /** A Firebase app id (GA4 app stream): project number, platform, hex id. */
    FIREBASE_APP("[0-9]{1,3}:[0-9]{1,20}:(?:android|ios|web):[0-9a-f]{1,40}");

    private final Pattern pattern;

    Kind(String regex) {
      this.pattern = Pattern.compile(regex);
    }
  }

  private StreamIds() {}

  /** The id as stored and looked up: trimmed, a G- or UA- id upper case; null stays null. */
  public static String normalize(String id) {
    if (id == null) {
      return null;
    }
    String s = id.strip();
    String upper = s.toUpperCase(Locale.ROOT);
    return upper.startsWith("G-") || upper.startsWith("UA-") ? upper : s.toLowerCase(Locale.ROOT);
  }

  /** The kind of a normalized id, or empty if it is no stream id. */
  public static Optional<Kind> kindOf(String normalized) {
    if (normalized == null || normalized.length() > 100) {
      return Optional.empty();
    }
    for (Kind k : Kind.values()) {
      if (k.pattern.matcher(normalized).matches()) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** Whether a normalized id is one a property may carry. */
  public static boolean valid(String normalized) {
    return kindOf(normalized).isPresent();
  }
}
