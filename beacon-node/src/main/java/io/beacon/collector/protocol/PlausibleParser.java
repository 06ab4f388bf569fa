package io.beacon.collector.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.model.report.CustomDimension;
import io.beacon.store.cassandra.PlausibleDomains;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Currency;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Plausible's Events API as its trackers and server-side senders use it: {@code POST /api/event} with one event as a
 * JSON object, sent as {@code text/plain} (the trackers: no CORS pre-flight) or {@code application/json}. Fields,
 * short and long names as Plausible takes them: {@code n}/{@code name} the event name (a string, or a number: {@code
 * 404}), {@code u}/{@code url} the page URL, {@code d}/{@code domain} the site's domain (a comma-separated list sends
 * the event to each site; without it the URL's host), {@code r}/{@code referrer}, {@code h}/{@code hashMode} ({@code
 * 1}: the URL's fragment is part of the page path), {@code p}/{@code props} (also {@code m}/{@code meta}) the custom
 * properties as a JSON object or a string holding one, {@code revenue}/{@code $} ({@code {currency, amount}}),
 * {@code i}/{@code interactive}, {@code w} the window's width ({@code plausible-tracker} 0.3), and an {@code
 * engagement} event's {@code e} (engaged milliseconds) and {@code sd} (scroll depth, %).
 *
 * <p>Validated as Plausible validates it, answered with Plausible's words ({@link Error}): a body that is not a JSON
 * object ({@code request}), no URL, a URL that is not a string or longer than 2,000 bytes, a {@code data:} URL
 * ({@code url}), no or an empty domain ({@code domain}), a missing, blank or badly typed event name, one longer than
 * 120 characters, an {@code engagement} without {@code e} or {@code sd} ({@code event_name}), a {@code h} that is not
 * an integer ({@code hash_mode}), a property key over 300 bytes or value over 2,000 bytes ({@code props}). What
 * Plausible drops silently is dropped silently: props whose value is empty, null, an array or an object (and those
 * past the first 30), props that are not an object, revenue that is not a known ISO 4217 currency and a decimal
 * amount, a {@code w} that is not a number. Beacon's own: a prop named {@code u:...} is dropped (Beacon keeps user
 * properties under that prefix: {@link CustomDimension}).
 *
 * <p>The canonical hit ({@link Event#draft}): {@code pageview} is {@code page_view}, {@code engagement} is {@code
 * user_engagement} (with {@code e} as its engagement time and {@code sd} as {@code percent_scrolled}), any other name
 * stays as sent; props are event parameters ({@code customEvent:<key>} in reports), revenue the parameters {@code
 * value} and {@code currency}; {@code i: false} a non-interaction hit; {@code w} the device category by Plausible's
 * width buckets (below 576 px mobile, below 992 tablet, else desktop: Plausible's "Laptop" and "Desktop" are one GA4
 * category), else the User-Agent decides, as it does for today's Plausible. Text values are then held to Beacon's
 * limits ({@link FieldLimits}: truncated). The event carries no client id: the collector derives one.
 */
public final class PlausibleParser {
  /** Beacon's body limit: room for Plausible's largest valid event (30 props of 300 + 2,000 bytes, URL, referrer). */
  public static final int MAX_BODY_BYTES = 128 * 1024;
  static final int MAX_URL_BYTES = 2_000;
  static final int MAX_REFERRER = 2_000;
  static final int MAX_EVENT_NAME = 120;
  static final int MAX_PROPS = 30;
  static final int MAX_PROP_KEY_BYTES = 300;
  static final int MAX_PROP_VALUE_BYTES = 2_000;
  /** Plausible ignores longer engagement times (an old tracker's bug): 30 days. */
  static final long MAX_ENGAGEMENT_MS = 30L * 24 * 3_600_000;
  /** Plausible's screen-size buckets of the window width, px: below the first mobile, below the second tablet. */
  static final int MOBILE_BELOW = 576;
  static final int TABLET_BELOW = 992;
  static final String ENGAGEMENT_ERROR =
      "engagement event requires a valid integer value for at least one of 'sd' or 'e' fields";
  static final String PROPS_ERROR = "keys should have at most " + MAX_PROP_KEY_BYTES + " bytes and values "
      + MAX_PROP_VALUE_BYTES + " bytes";
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private PlausibleParser() {}

  /**
   * A validation error as Plausible words it: {@code {"errors": {field: [message]}}}.
   *
   * @param reason the {@code reason} it is counted under in {@code beacon_collector_rejected_total}
   */
  public record Error(String field, String message, DropReason reason) {}

  /** What a request holds: the event, or the errors that refuse it. */
  public record Result(Event event, List<Error> errors) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  /**
   * A valid event, before it is sent to its sites' properties.
   *
   * @param domains the sites it names, normalized ({@link PlausibleDomains#normalize}), each once, in order
   * @param name the hit's event name
   * @param pagePath the path with the URL's fragment (hash mode), or null: the enricher takes the URL's path
   * @param deviceCategory from the window width, or null: the User-Agent's
   * @param payload the body as sent (part of the derived request id)
   */
  public record Event(List<String> domains, String name, String url, String referrer, String pagePath,
                      String deviceCategory, Map<String, String> params, Boolean nonInteraction, Long engagementMs,
                      String payload) {
    /**
     * The event as a hit of one property: the {@code index}-th of the request. Plausible's trackers send no event
     * id and never retry, and identical events are real ones (a page loaded twice), so each request is its own
     * event: {@code nonce}, drawn per request, goes into the derived request id.
     */
    public HitDraft draft(String propertyId, int index, String nonce) {
      HitDraft d = new HitDraft();
      d.protocol = Protocol.PLAUSIBLE;
      d.propertyId = propertyId;
      d.indexInRequest = index;
      d.eventName = name;
      d.pageLocation = url;
      d.pagePath = pagePath;
      d.pageReferrer = referrer;
      d.params.putAll(params);
      d.nonInteraction = nonInteraction;
      d.engagementMs = engagementMs;
      if (deviceCategory != null) {
        d.device = new SenderDevice(deviceCategory, null, null, null, null, null, null);
      }
      d.payloadForId = payload + "\n" + nonce;
      FieldLimits.applyWeb(d); // no id is over-long: the property's is the registry's, the others are not sent
      return d;
    }
  }

  public static Result parse(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      root = null;
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      return new Result(null, List.of(new Error("request", "Unable to parse request body as json",
          DropReason.MALFORMED_BODY)));
    }
    List<Error> errors = new ArrayList<>();

    // The URL: required, a string of at most 2,000 bytes, any scheme but data:.
    JsonNode u = first(root, "u", "url");
    String url = null;
    URI uri = null;
    if (u == null) {
      errors.add(new Error("url", "is required", DropReason.MISSING_FIELD));
    } else if (!u.isTextual() || u.asText().getBytes(StandardCharsets.UTF_8).length > MAX_URL_BYTES) {
      errors.add(new Error("url", "must be a valid url", DropReason.INVALID_VALUE));
    } else if (u.asText().strip().toLowerCase(Locale.ROOT).startsWith("data:")) {
      errors.add(new Error("url", "scheme is not allowed", DropReason.INVALID_VALUE));
    } else {
      url = QueryStrings.blankToNull(u.asText().strip());
      uri = uri(url);
    }

    // The event name: a string or an integer (404), not blank, at most 120 characters.
    JsonNode n = first(root, "n", "name");
    String name = null;
    if (n != null && !n.isTextual() && !n.isIntegralNumber()) {
      errors.add(new Error("event_name", "is invalid", DropReason.INVALID_VALUE));
    } else {
      name = n == null ? null : QueryStrings.blankToNull(n.asText());
      if (name == null) {
        errors.add(new Error("event_name", "can't be blank", DropReason.MISSING_FIELD));
      } else if (name.codePointCount(0, name.length()) > MAX_EVENT_NAME) {
        errors.add(new Error("event_name", "should be at most " + MAX_EVENT_NAME + " character(s)",
            DropReason.OUT_OF_BOUNDS));
      }
    }

    // Hash mode: an integer, 1 keeps the fragment in the path.
    JsonNode h = first(root, "h", "hashMode");
    boolean hashMode = false;
    if (h != null) {
      Long mode = integer(h);
      if (mode == null) {
        errors.add(new Error("hash_mode", "is invalid", DropReason.INVALID_VALUE));
      } else {
        hashMode = mode == 1;
      }
    }

    // Props: the first 30 that have a scalar, non-empty value; each within Plausible's byte limits.
    Map<String, String> params = new LinkedHashMap<>();
    JsonNode props = object(first(root, "m", "meta", "p", "props"));
    if (props != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext() && params.size() < MAX_PROPS; ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        if (v.isContainerNode() || v.isNull() || e.getKey().stripLeading().isEmpty() || v.asText().stripLeading().isEmpty()) {
          continue;
        }
        if (e.getKey().getBytes(StandardCharsets.UTF_8).length > MAX_PROP_KEY_BYTES
            || v.asText().getBytes(StandardCharsets.UTF_8).length > MAX_PROP_VALUE_BYTES) {
          errors.add(new Error("props", PROPS_ERROR, DropReason.OUT_OF_BOUNDS));
          break;
        }
        if (!e.getKey().startsWith(CustomDimension.USER_PARAM_PREFIX)) {
          params.put(e.getKey(), v.asText());
        }
      }
    }

    // An engagement event's engaged time and scroll depth: at least one of them.
    Long engagementMs = null;
    if ("engagement".equals(name)) {
      Long sd = integer(root.get("sd"));
      Long e = integer(root.get("e"));
      boolean hasDepth = sd != null && sd >= 0;
      boolean hasTime = e != null && e > 0 && e < MAX_ENGAGEMENT_MS;
      if (!hasDepth && !hasTime) {
        errors.add(new Error("event_name", ENGAGEMENT_ERROR, DropReason.MISSING_FIELD));
      }
      if (hasDepth) {
        params.put("percent_scrolled", Long.toString(Math.min(100, sd)));
      }
      engagementMs = hasTime ? e : null;
    }

    // The sites: the domain list, else the URL's host.
    JsonNode dn = first(root, "d", "domain");
    List<String> domains = new ArrayList<>();
    if (dn != null && dn.isTextual()) {
      if (dn.asText().isBlank()) {
        errors.add(new Error("domain", "can't be blank", DropReason.MISSING_FIELD));
      } else {
        Set<String> unique = new LinkedHashSet<>();
        for (String d : dn.asText().split(",", -1)) {
          unique.add(PlausibleDomains.normalize(d));
        }
        domains.addAll(unique);
      }
    } else {
      String host = uri == null ? null : QueryStrings.blankToNull(uri.getHost());
      if (host == null) {
        errors.add(new Error("domain", "can't be blank", DropReason.MISSING_FIELD));
      } else {
        domains.add(PlausibleDomains.normalize(host));
      }
    }
    if (!errors.isEmpty()) {
      return new Result(null, List.copyOf(errors));
    }

    // Revenue, as Plausible takes it: a known currency and a decimal amount, else none.
    JsonNode revenue = object(first(root, "revenue", "$"));
    if (revenue != null) {
      String currency = currency(revenue.get("currency"));
      BigDecimal amount = decimal(revenue.get("amount"));
      if (currency != null && amount != null) {
        params.put("value", amount.toPlainString());
        params.put("currency", currency);
      }
    }

    JsonNode r = first(root, "r", "referrer");
    String referrer = r != null && r.isTextual() ? QueryStrings.blankToNull(FieldLimits.truncate(r.asText(), MAX_REFERRER)) : null;
    JsonNode i = root.get("i") != null && root.get("i").isBoolean() ? root.get("i") : root.get("interactive");
    Boolean nonInteraction = i != null && i.isBoolean() && !i.asBoolean() ? Boolean.TRUE : null;
    String pagePath = null;
    if (hashMode && uri != null && uri.getRawFragment() != null) {
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      pagePath = path + "#" + uri.getRawFragment();
    }
    String hitName = switch (name) {
      case "pageview" -> "page_view";
      case "engagement" -> "user_engagement";
      default -> name;
    };
    return new Result(new Event(List.copyOf(domains), hitName, url, referrer, pagePath,
        deviceCategory(first(root, "w", "screen_width")), params, nonInteraction, engagementMs,
        new String(body, StandardCharsets.UTF_8)), List.of());
  }

  /** Plausible's screen size of a window width, as GA4's device category; null when no width was sent. */
  static String deviceCategory(JsonNode width) {
    if (width == null || !width.isNumber() || !Double.isFinite(width.asDouble()) || width.asDouble() < 0) {
      return null;
    }
    double w = width.asDouble();
    return w < MOBILE_BELOW ? "mobile" : w < TABLET_BELOW ? "tablet" : "desktop";
  }

  /** The first of the fields that is set, as Plausible reads {@code body["n"] || body["name"]}: null and false are not. */
  private static JsonNode first(JsonNode root, String... names) {
    for (String name : names) {
      JsonNode v = root.get(name);
      if (v != null && !v.isNull() && !(v.isBoolean() && !v.asBoolean())) {
        return v;
      }
    }
    return null;
  }

  /** An object, or a string holding one (JSON); anything else is none. */
  private static JsonNode object(JsonNode v) {
    if (v != null && v.isTextual()) {
      try {
        v = JSON.readTree(v.asText());
      } catch (IOException e) {
        return null;
      }
    }
    return v != null && v.isObject() ? v : null;
  }

  /** An integer or a string holding one ({@code 1}, {@code "1"}), else null. */
  private static Long integer(JsonNode v) {
    if (v == null) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isTextual() && v.asText().matches("[+-]?[0-9]{1,18}")) {
      return Long.parseLong(v.asText());
    }
    return null;
  }

  /** An ISO 4217 currency code as sent (upper case), else null. */
  private static String currency(JsonNode v) {
    if (v == null || !v.isTextual() || !v.asText().matches("[A-Z]{3}")) {
      return null;
    }
    try {
      return Currency.getInstance(v.asText()).getCurrencyCode();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A decimal number, or a string holding one ({@code 15.99}, {@code "15.99"}), else null. */
  private static BigDecimal decimal(JsonNode v) {
    if (v == null || !(v.isNumber() || v.isTextual()) || v.asText().length() > 40) {
      return null;
    }
    try {
      BigDecimal d = new BigDecimal(v.asText().strip());
      return d.abs().compareTo(new BigDecimal("1e15")) < 0 ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static URI uri(String url) {
    if (url == null) {
      return null;
    }
    try {
      return URI.create(url.replace(" ", "%20"));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
