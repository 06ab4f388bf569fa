package io.beacon.query.auth;

import java.util.Locale;

/** A user's role on one property; admin includes viewer. */
public enum PropertyRole {
  VIEWER, ADMIN;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean covers(PropertyRole needed) {
    return this == ADMIN || needed == VIEWER;
  }

  public static PropertyRole ofKey(String key) {
    for (PropertyRole r : values()) {
      if (r.key().equals(key)) {
        return r;
      }
    }
    return null;
  }
}
