package io.beacon.query.auth;

import java.util.Locale;

/**
 * What an API token may do, within what its user may do.
 *
 * <ul>
 *   <li>{@link #READ}: read-only. Reports ({@code :runReport}, {@code :runRealtimeReport}, metadata, the real-time
 *       stream) and the {@code GET}s a property's viewer may make; no change of any setting, and the property's Measurement Protocol secret is
 *       not shown (it would let the holder write hits). As GA's {@code analytics.readonly} scope.</li>
 *   <li>{@link #ADMIN}: everything the token's user may do (as the user's dashboard session). Tokens issued before
 *       scopes existed have no scope stored and are this one.</li>
 * </ul>
 */
public enum TokenScope {
  READ, ADMIN;

  /** What a token without a stored scope (issued before scopes) may do. */
  public static final TokenScope LEGACY = ADMIN;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scope named {@code key}, or null. */
  public static TokenScope ofKey(String key) {
    for (TokenScope s : values()) {
      if (s.key().equals(key)) {
        return s;
      }
    }
    return null;
  }
}
