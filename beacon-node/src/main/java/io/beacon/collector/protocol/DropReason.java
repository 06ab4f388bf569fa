package io.beacon.collector.protocol;

/**
 * Why the collector did not take a hit (or a request): the {@code reason} tag of
 * {@code beacon_collector_rejected_total}, spelled {@link #key()} (alerts and dashboards select on it).
 */
public enum DropReason {
  // The request's content, as the parsers judge it.
  INVALID_VALUE("invalid_value"),
  MISSING_FIELD("missing_field"),
  OUT_OF_BOUNDS("out_of_bounds"),
  TOO_MANY("too_many"),
  INVALID_NAME("invalid_name"),
  RESERVED_NAME("reserved_name"),
  MALFORMED_BODY("malformed_body"),
  // The HTTP request itself.
  TIMEOUT("timeout"),
  METHOD_NOT_ALLOWED("method_not_allowed"),
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type"),
  BODY_TOO_LARGE("body_too_large"),
  BAD_REQUEST("bad_request"),
  // The property's rules.
  UNKNOWN_PROPERTY("unknown_property"),
  /** A property an admin deleted (in the trash, restorable): answered as an unknown property, with its own reason. */
  PROPERTY_DELETED("property_deleted"),
  MISSING_SECRET("missing_secret", true),
  BAD_SECRET("bad_secret", true),
  HOSTNAME_NOT_ALLOWED("hostname_not_allowed", true),
  DO_NOT_TRACK("do_not_track"),
  RATE_LIMITED("rate_limited"),
  // The collector's own state: the client should retry.
  SPOOL_FULL("spool_full"),
  INTERNAL("internal");

  private final String key;
  private final boolean auth;

  DropReason(String key) {
    this(key, false);
  }

  DropReason(String key, boolean auth) {
    this.key = key;
    this.auth = auth;
  }

  public String key() {
    return key;
  }

  /** A credentials or hostname refusal: answered 401/403 when it is the only kind of problem. */
  public boolean auth() {
    return auth;
  }

  @Override
  public String toString() {
    return key;
  }
}
