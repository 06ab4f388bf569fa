package io.beacon.model.report;

import java.util.Map;
import java.util.Optional;

/**
 * The custom dimensions of GA4's naming, read from a hit's parameters (docs/analytics-model.md, "Dimensions"):
 * {@code customEvent:<param>}, an event parameter as sent, and {@code customUser:<name>}, a user property sent
 * with the event (MP {@code user_properties}, gtag {@code up.}/{@code upn.}). User properties ride in the same
 * parameter map under {@link #USER_PARAM_PREFIX}: event parameter names are letters, digits and underscores, so
 * the colon keeps the two apart.
 */
public enum CustomDimension {
  EVENT("customEvent:", ""),
  USER("customUser:", CustomDimension.USER_PARAM_PREFIX);

  /** Where a user property is kept among a hit's parameters: {@code u:<name>}. */
  public static final String USER_PARAM_PREFIX = "u:";

  private final String apiPrefix;
  private final String paramPrefix;

  CustomDimension(String apiPrefix, String paramPrefix) {
    this.apiPrefix = apiPrefix;
    this.paramPrefix = paramPrefix;
  }

  /** {@code customEvent:} or {@code customUser:}. */
  public String apiPrefix() {
    return apiPrefix;
  }

  /** The custom dimension an API name is, if any ({@code customUser:plan} → USER). */
  public static Optional<CustomDimension> of(String apiName) {
    for (CustomDimension c : values()) {
      if (apiName != null && apiName.startsWith(c.apiPrefix) && apiName.length() > c.apiPrefix.length()) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** The key of the hit parameter an API name reads ({@code customUser:plan} → {@code u:plan}). */
  public String paramKey(String apiName) {
    return paramPrefix + apiName.substring(apiPrefix.length());
  }

  /** The value an API name reads from a hit's parameters, or null. */
  public static String read(String apiName, Map<String, String> params) {
    return params == null ? null : of(apiName).map(c -> params.get(c.paramKey(apiName))).orElse(null);
  }
}
