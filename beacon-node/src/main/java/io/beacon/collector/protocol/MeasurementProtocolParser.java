package io.beacon.collector.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.collector.enrich.IpAddresses;
import io.beacon.model.report.CustomDimension;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * GA4 Measurement Protocol: {@code POST /mp/collect?measurement_id=…&api_secret=…} with GA's JSON
 * body ({@code client_id, user_id, timestamp_micros, user_properties, user_location, ip_override, device,
 * events[]{name, timestamp_micros, params}}), checked against GA's documented limits. Request-level problems (bad
 * JSON, no client_id, too many events, a bad {@code device}, {@code user_location} or {@code ip_override}) reject
 * the whole request, as they concern every event; a bad event is reported and the good ones are kept. Nothing is
 * kept with a bad field dropped. The api_secret is checked against the property by the caller.
 *
 * <p>Precedence (docs/analytics-model.md, "Semantics"): an event's own {@code timestamp_micros} wins over the
 * request's, each checked against the same window; {@code device} wins over the User-Agent header, and an event's
 * {@code language} / {@code screen_resolution} parameter over {@code device}'s (the more specific value);
 * {@code user_location} replaces the IP lookup, and {@code ip_override} is the address looked up instead of the
 * connection's.
 */
public final class MeasurementProtocolParser {
  public static final int MAX_BODY_BYTES = 130 * 1024;
  static final int MAX_EVENTS = 25;
  static final int MAX_PARAMS = 25;
  static final int MAX_EVENT_NAME = 40;
  static final int MAX_PARAM_NAME = 40;
  static final int MAX_PARAM_VALUE = 100;
  /** GA4's limit of items per event. */
  static final int MAX_ITEMS = 200;
  static final int MAX_USER_PROPERTIES = 25;
  static final int MAX_USER_PROPERTY_NAME = 24;
  static final int MAX_USER_PROPERTY_VALUE = 36;
  static final int MAX_USER_ID = 256;
  /** Not one of GA's documented limits (its ids are ~20 characters): the client id keys sessions and de-duplication. */
  static final int MAX_CLIENT_ID = 256;
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
  private static final Pattern APP_INSTANCE_ID = Pattern.compile("[0-9A-Fa-f]{32}");
  private static final Pattern HEX = Pattern.compile("[0-9A-Fa-f]*");
  /**
   * Longest text accepted in {@code device} and {@code user_location}: GA documents no limit there, so Beacon applies
   * its parameter value limit rather than store unbounded dimension values.
   */
  static final int MAX_CONTEXT_VALUE = MAX_PARAM_VALUE;
  /** GA4's device categories, as its reports spell them. */
  static final Set<String> DEVICE_CATEGORIES = Set.of("desktop", "mobile", "tablet", "smart tv");
  /** A language tag: ISO 639 language, then subtags ({@code en}, {@code en-US}, {@code zh-Hant-TW}; {@code _} too). */
  private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*");
  private static final Pattern RESOLUTION = Pattern.compile("[1-9][0-9]{0,4}x[1-9][0-9]{0,4}");
  private static final Pattern COUNTRY = Pattern.compile("[A-Za-z]{2}");
  /** ISO 3166-2: the country, a hyphen, one to three letters or digits ({@code US-CA}, {@code GB-LND}, {@code FR-75}). */
  private static final Pattern REGION = Pattern.compile("([A-Za-z]{2})-[A-Za-z0-9]{1,3}");
  /** UN M49 area codes ({@code 019} the Americas, {@code 021} Northern America). */
  private static final Pattern M49 = Pattern.compile("[0-9]{3}");
  static final Set<String> RESERVED_EVENTS = Set.of("ad_activeview", "ad_click", "ad_exposure",
      "ad_impression", "ad_query", "ad_reward", "adunit_exposure", "app_background", "app_clear_data",
      "app_exception", "app_remove", "app_store_refund", "app_store_subscription_cancel",
      "app_store_subscription_convert", "app_store_subscription_renew", "app_update", "app_upgrade",
      "dynamic_link_app_open", "dynamic_link_app_update", "dynamic_link_first_open", "error",
      "firebase_campaign", "firebase_in_app_message_action", "firebase_in_app_message_dismiss",
      "firebase_in_app_message_impression", "first_open", "first_visit", "in_app_purchase",
      "notification_dismiss", "notification_foreground", "notification_open", "notification_receive",
      "os_update", "session_start", "session_start_with_rollout", "user_engagement");
  static final Set<String> RESERVED_PREFIXES = Set.of("_", "firebase_", "ga_", "google_", "gtag.");
  static final Set<String> RESERVED_USER_PROPERTIES = Set.of("first_open_time", "first_visit_time",
      "last_deep_link_referrer", "user_id", "first_open_after_install");
  /** Strict: a second document or garbage after the body is an error, not silently dropped. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private MeasurementProtocolParser() {}

  /**
   * @param measurementId the {@code measurement_id} query parameter
   * @param body the raw JSON body
   * @param nowMs receive time, to check {@code timestamp_micros}
   * @param maxAgeMs oldest accepted event time relative to now
   * @param maxSkewMs newest accepted event time beyond now
   */
  public static ParseResult parse(String measurementId, byte[] body, long nowMs, long maxAgeMs, long maxSkewMs) {
    return parse(measurementId, null, body, nowMs, maxAgeMs, maxSkewMs);
  }

  /**
   * A web stream's request ({@code measurement_id}, events of a {@code client_id}) or an app stream's ({@code
   * firebase_app_id}, events of an {@code app_instance_id}, as GA4 documents them); exactly one of the two ids.
   *
   * @param firebaseAppId the {@code firebase_app_id} query parameter
   */
  public static ParseResult parse(String measurementId, String firebaseAppId, byte[] body, long nowMs, long maxAgeMs,
      long maxSkewMs) {
    boolean web = measurementId != null && !measurementId.isBlank();
    boolean app = firebaseAppId != null && !firebaseAppId.isBlank();
    if (web && app) {
      return ParseResult.failed(Problem.invalid("firebase_app_id", "send measurement_id (a web stream) or "
          + "firebase_app_id (an app stream), not both"));
    }
    if (!web && !app) {
      return ParseResult.failed(new Problem("measurement_id", "measurement_id (a web stream) or firebase_app_id (an "
          + "app stream) is required", ValidationCode.VALUE_REQUIRED, DropReason.MISSING_FIELD));
    }
    String streamField = app ? "firebase_app_id" : "measurement_id";
    String streamId = app ? firebaseAppId : measurementId;
    if (streamId.length() > FieldLimits.MAX_PROPERTY_ID) {
      return ParseResult.failed(Problem.outOfBounds(streamField, streamField + " longer than "
          + FieldLimits.MAX_PROPERTY_ID + " characters"));
    }
    if (body.length > MAX_BODY_BYTES) {
      return ParseResult.failed(Problem.outOfBounds("", "body larger than " + MAX_BODY_BYTES + " bytes"));
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      // Jackson's own words name the problem; its limit messages also name its classes: not for clients.
      // The offending character is named by its code point, so a stray quote or backtick from the body is not
      // echoed raw into the message.
      String why = String.valueOf(e.getOriginalMessage())
          .replaceAll("\\('(?s:.{1,3})' \\(code (\\d+)\\)\\)", "(character code $1)")
          .replaceAll(" \\(bound as `[^`]*`\\)", "")
          .replaceAll(",? from `[^`]*`", "").replaceAll(":? not allowed as per `[^`]*`", "").replaceAll("`[^`]*`", "")
          .replace("`", "U+0060");
      return ParseResult.failed(Problem.rejected("", "body is not valid JSON: " + why, DropReason.MALFORMED_BODY));
    } catch (java.io.IOException e) {
      return ParseResult.failed(Problem.rejected("", "body is not readable as JSON", DropReason.MALFORMED_BODY));
    }
    if (root == null || !root.isObject()) {
      return ParseResult.failed(Problem.rejected("", "body must be a JSON object", DropReason.MALFORMED_BODY));
    }
    ParseResult result = new ParseResult();
    // A web stream's events are a browser's (client_id); an app stream's an app installation's (app_instance_id,
    // the Firebase SDK's 32 hexadecimal digits). Either is the hit's client id.
    String idField = app ? "app_instance_id" : "client_id";
    JsonNode cid = root.get(idField);
    if (cid == null || cid.isNull()) {
      return ParseResult.failed(Problem.required(idField));
    }
    if (!cid.isTextual() || cid.asText().isBlank()) {
      return ParseResult.failed(Problem.invalid(idField, idField + " must be a non-empty string"));
    }
    if (cid.asText().length() > MAX_CLIENT_ID) {
      return ParseResult.failed(Problem.outOfBounds(idField, idField + " longer than " + MAX_CLIENT_ID + " characters"));
    }
    if (app && !APP_INSTANCE_ID.matcher(cid.asText()).matches()) {
      return ParseResult.failed(Problem.invalid(idField, "app_instance_id is expected to be a 32 digit hexadecimal "
          + "number but was [" + cid.asText().length() + "] characters long" + (HEX.matcher(cid.asText()).matches()
              ? "" : " and not hexadecimal")));
    }
    JsonNode uid = root.get("user_id");
    if (uid != null && !uid.isNull() && (!uid.isTextual() || uid.asText().length() > MAX_USER_ID)) {
      return ParseResult.failed(Problem.invalid("user_id", "user_id must be a string of at most " + MAX_USER_ID + " characters"));
    }
    Window window = new Window(nowMs, maxAgeMs, maxSkewMs);
    JsonNode tsNode = root.get("timestamp_micros");
    EventTime requestTime = window.read(tsNode, "timestamp_micros");
    if (requestTime.problem() != null) {
      return ParseResult.failed(requestTime.problem());
    }
    // The request's context, the same for every event: read in full before any event, so a bad value rejects the
    // request rather than leaving events with it dropped.
    Context context = new Context();
    Problem up = readUserProperties(root.get("user_properties"), context);
    if (up != null) {
      return ParseResult.failed(up);
    }
    Problem cp = readIpOverride(root.get("ip_override"), context);
    if (cp == null) {
      cp = readDevice(root.get("device"), context);
    }
    if (cp == null) {
      cp = readLocation(root.get("user_location"), context);
    }
    if (cp != null) {
      return ParseResult.failed(cp);
    }
    JsonNode events = root.get("events");
    if (events == null || events.isNull()) {
      return ParseResult.failed(Problem.required("events"));
    }
    if (!events.isArray() || events.isEmpty()) {
      return ParseResult.failed(Problem.invalid("events", "events must be a non-empty array"));
    }
    if (events.size() > MAX_EVENTS) {
      return ParseResult.failed(Problem.tooMany("events", "at most " + MAX_EVENTS + " events per request, got " + events.size()));
    }
    for (int i = 0; i < events.size(); i++) {
      HitDraft d = new HitDraft();
      d.protocol = Protocol.GA4_MP;
      d.propertyId = streamId;
      d.appStream = app;
      d.clientId = cid.asText();
      d.userId = uid == null || uid.isNull() ? null : QueryStrings.blankToNull(uid.asText());
      d.ts = requestTime.ms();
      d.indexInRequest = i;
      d.clientIp = context.ipOverride;
      d.device = context.device;
      d.location = context.location;
      d.language = context.language;
      d.screenResolution = context.screenResolution;
      JsonNode ev = events.get(i);
      // The event (its own timestamp_micros included) and the request-wide context it is read with; ip_override
      // stays out: an id derived from a hash of the user's IP could be brute-forced back to it.
      d.payloadForId = cid.asText() + "|" + (tsNode == null ? "" : tsNode.asText()) + "|" + ev + "|"
          + Context.forId(root);
      Problem p = fillEvent(d, ev, "events[" + i + "]", window);
      if (p != null) {
        result.problems.add(atEvent(i, p));
      } else {
        // User properties go with every event of the request: customUser:<name> (CustomDimension).
        context.userProperties.forEach((k, v) -> d.params.put(CustomDimension.USER_PARAM_PREFIX + k, v));
        result.hits.add(d);
      }
    }
    return result;
  }

  /** Validates {@code user_properties} and keeps their values (a null value unsets in GA4: nothing to keep). */
  private static Problem readUserProperties(JsonNode ups, Context context) {
    if (ups == null || ups.isNull()) {
      return null;
    }
    if (!ups.isObject()) {
      return Problem.invalid("user_properties", "user_properties must be an object");
    }
    if (ups.size() > MAX_USER_PROPERTIES) {
      return Problem.tooMany("user_properties", "at most " + MAX_USER_PROPERTIES + " user properties");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = ups.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "user_properties." + e.getKey();
      Problem name = checkName(e.getKey(), path, MAX_USER_PROPERTY_NAME);
      if (name != null) {
        return name;
      }
      if (RESERVED_USER_PROPERTIES.contains(e.getKey())) {
        return Problem.nameReserved(path, "user property name " + Problem.quote(e.getKey()) + " is reserved");
      }
      JsonNode value = e.getValue().isObject() ? e.getValue().get("value") : null;
      if (value == null || !(value.isValueNode() || value.isNull())) {
        return Problem.invalid(path + ".value", "user property must be an object with a scalar 'value'");
      }
      if (value.asText().length() > MAX_USER_PROPERTY_VALUE) {
        return Problem.outOfBounds(path + ".value", "user property value longer than " + MAX_USER_PROPERTY_VALUE + " characters");
      }
      if (!value.isNull()) {
        context.userProperties.put(e.getKey(), value.asText());
      }
    }
    return null;
  }

  private static Problem fillEvent(HitDraft d, JsonNode ev, String path, Window window) {
    if (ev == null || !ev.isObject()) {
      return Problem.invalid(path, "event must be an object");
    }
    JsonNode name = ev.get("name");
    if (name == null || name.isNull()) {
      return Problem.required(path + ".name");
    }
    if (!name.isTextual()) {
      return Problem.invalid(path + ".name", "event name must be a string");
    }
    Problem np = checkEventName(name.asText(), path + ".name");
    if (np != null) {
      return np;
    }
    d.eventName = name.asText();
    // GA: an event's own timestamp_micros overrides the request's.
    EventTime own = window.read(ev.get("timestamp_micros"), path + ".timestamp_micros");
    if (own.problem() != null) {
      return own.problem();
    }
    if (own.ms() != null) {
      d.ts = own.ms();
    }
    JsonNode params = ev.get("params");
    if (params == null || params.isNull()) {
      return null;
    }
    if (!params.isObject()) {
      return Problem.invalid(path + ".params", "params must be an object");
    }
    if (params.size() > MAX_PARAMS) {
      return Problem.tooMany(path + ".params", "at most " + MAX_PARAMS + " parameters per event, got " + params.size());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String ppath = path + ".params." + key;
      Problem pn = checkName(key, ppath, MAX_PARAM_NAME);
      if (pn != null) {
        return pn;
      }
      JsonNode v = e.getValue();
      if (key.equals("items")) {
        Problem ip = checkItems(v, ppath);
        if (ip != null) {
          return ip;
        }
        d.params.put("items", v.toString());
        continue;
      }
      if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
        return Problem.invalid(ppath, "parameter value must be a string, number or boolean");
      }
      String value = v.asText();
      // GA4's longer limits for the page parameters (page_location 1000, page_referrer 420, page_title 300).
      int max = FieldLimits.mpParamMax(key);
      if (v.isTextual() && value.length() > max) {
        return Problem.outOfBounds(ppath, "parameter value longer than " + max + " characters");
      }
      switch (key) {
        case "session_id" -> d.sessionId = QueryStrings.blankToNull(value);
        case "engagement_time_msec" -> {
          if (!Ga4WebParser.isNumber(value) || Double.parseDouble(value) < 0) { // also 1e400 (Infinity)
            return Problem.invalid(ppath, "engagement_time_msec must be a non-negative number");
          }
          d.engagementMs = (long) Double.parseDouble(value);
        }
        case "page_location" -> d.pageLocation = QueryStrings.blankToNull(value);
        case "page_referrer" -> d.pageReferrer = QueryStrings.blankToNull(value);
        case "page_title" -> d.pageTitle = QueryStrings.blankToNull(value);
        // An event's own value wins over the request's device object (a blank one leaves it).
        case "language" -> d.language = orElse(QueryStrings.blankToNull(value), d.language);
        case "screen_resolution" -> d.screenResolution = orElse(QueryStrings.blankToNull(value), d.screenResolution);
        case "request_id" -> d.requestId = QueryStrings.blankToNull(value);
        case "campaign" -> d.campaign = QueryStrings.blankToNull(value);
        case "source" -> d.source = QueryStrings.blankToNull(value);
        case "medium" -> d.medium = QueryStrings.blankToNull(value);
        case "term" -> d.term = QueryStrings.blankToNull(value);
        case "content" -> d.content = QueryStrings.blankToNull(value);
        default -> d.params.put(key, value);
      }
    }
    return null;
  }

  /**
   * GA's limits for {@code items}: an array of at most {@link #MAX_ITEMS} objects whose parameters have names of at
   * most 40 characters and scalar values, text of at most 100 characters.
   */
  private static Problem checkItems(JsonNode items, String path) {
    if (!items.isArray()) {
      return Problem.invalid(path, "items must be an array");
    }
    if (items.size() > MAX_ITEMS) {
      return Problem.tooMany(path, "at most " + MAX_ITEMS + " items per event, got " + items.size());
    }
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String ipath = path + "[" + i + "]";
      if (!item.isObject()) {
        return Problem.invalid(ipath, "an item must be an object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String fpath = ipath + "." + e.getKey();
        if (e.getKey().isEmpty() || e.getKey().length() > MAX_PARAM_NAME) {
          return Problem.outOfBounds(fpath, "item parameter name must be 1-" + MAX_PARAM_NAME + " characters");
        }
        JsonNode v = e.getValue();
        if (!(v.isTextual() || v.isNumber() || v.isBoolean() || v.isNull())) {
          return Problem.invalid(fpath, "item parameter value must be a string, number or boolean");
        }
        if (v.isTextual() && v.asText().length() > MAX_PARAM_VALUE) {
          return Problem.outOfBounds(fpath, "item parameter value longer than " + MAX_PARAM_VALUE + " characters");
        }
      }
    }
    return null;
  }

  /** An event time read from a {@code timestamp_micros} (epoch ms; null when absent), or why it was refused. */
  private record EventTime(Long ms, Problem problem) {}

  /** The accepted event times: {@code maxAgeMs} back from the receive time, {@code maxSkewMs} ahead of it. */
  private record Window(long nowMs, long maxAgeMs, long maxSkewMs) {
    /** Reads and checks a {@code timestamp_micros} (request or event level; {@code path} names it in problems). */
    EventTime read(JsonNode node, String path) {
      if (node == null || node.isNull()) {
        return new EventTime(null, null);
      }
      long micros;
      if (node.isIntegralNumber() && node.canConvertToLong()) {
        micros = node.asLong();
      } else if (node.isTextual() && node.asText().matches("\\d{1,18}")) { // 19 digits may overflow a long
        micros = Long.parseLong(node.asText());
      } else {
        return new EventTime(null, Problem.invalid(path, path + " must be an integer (microseconds since the epoch)"));
      }
      long ms = Math.floorDiv(micros, 1000);
      if (ms < nowMs - maxAgeMs) {
        return new EventTime(null, Problem.outOfBounds(path, path + " is more than " + (maxAgeMs / 3_600_000)
            + " hours in the past"));
      }
      if (ms > nowMs + maxSkewMs) {
        return new EventTime(null, Problem.outOfBounds(path, path + " is in the future"));
      }
      return new EventTime(ms, null);
    }
  }

  /** What the request says about every event's context: {@code ip_override}, {@code device}, {@code user_location}. */
  private static final class Context {
    String ipOverride;
    SenderDevice device;
    SenderLocation location;
    String language;
    String screenResolution;
    /** user_properties: name → value, in the order sent. */
    final Map<String, String> userProperties = new LinkedHashMap<>();

    /** The context's part of a derived request id: the device, location and user properties as sent (never the IP). */
    static String forId(JsonNode root) {
      return root.get("device") + "|" + root.get("user_location") + "|" + root.get("user_properties");
    }
  }

  private static String orElse(String value, String otherwise) {
    return value != null ? value : otherwise;
  }

  private static Problem readIpOverride(JsonNode node, Context into) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      return Problem.invalid("ip_override", "ip_override must be a string (an IPv4 or IPv6 address)");
    }
    String ip = node.asText().trim();
    if (ip.isEmpty()) {
      return null;
    }
    // Parsed as a literal only (never resolved); the value itself is not echoed: it is personal data.
    if (IpAddresses.parse(ip) == null) {
      return Problem.invalid("ip_override", "ip_override must be an IPv4 or IPv6 address");
    }
    into.ipOverride = ip;
    return null;
  }

  /** The text members of a request-level object (trimmed, blank as absent), or the first one that is not text. */
  private record Texts(Map<String, String> values, Problem problem) {
    static Texts read(JsonNode object, String prefix, String... keys) {
      Map<String, String> values = new java.util.HashMap<>();
      for (String key : keys) {
        JsonNode f = object.get(key);
        String path = prefix + "." + key;
        if (f == null || f.isNull()) {
          continue;
        }
        if (!f.isTextual()) {
          return new Texts(null, Problem.invalid(path, path + " must be a string"));
        }
        String v = QueryStrings.blankToNull(f.asText().trim());
        if (v != null && v.length() > MAX_CONTEXT_VALUE) {
          return new Texts(null, Problem.outOfBounds(path, path + " longer than " + MAX_CONTEXT_VALUE + " characters"));
        }
        if (v != null) {
          values.put(key, v);
        }
      }
      return new Texts(values, null);
    }
  }

  private static Problem readDevice(JsonNode node, Context into) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      return Problem.invalid("device", "device must be an object");
    }
    Texts texts = Texts.read(node, "device", "category", "language", "screen_resolution", "operating_system",
        "operating_system_version", "browser", "browser_version", "model", "brand");
    if (texts.problem() != null) {
      return texts.problem();
    }
    Map<String, String> v = texts.values();
    String category = v.containsKey("category") ? v.get("category").toLowerCase(Locale.ROOT) : null;
    if (category != null && !DEVICE_CATEGORIES.contains(category)) {
      return Problem.invalid("device.category", "device.category must be one of desktop, mobile, tablet, smart tv, was "
          + Problem.quote(v.get("category")));
    }
    String language = v.get("language");
    if (language != null && !LANGUAGE.matcher(language).matches()) {
      return Problem.invalid("device.language", "device.language must be a language tag such as en or en-US, was "
          + Problem.quote(language));
    }
    String resolution = v.get("screen_resolution");
    if (resolution != null && !RESOLUTION.matcher(resolution).matches()) {
      return Problem.invalid("device.screen_resolution", "device.screen_resolution must be WIDTHxHEIGHT in pixels, "
          + "such as 1280x2856, was " + Problem.quote(resolution));
    }
    String os = v.get("operating_system");
    String browser = v.get("browser");
    // A version without its name would pair the sender's version with the User-Agent's browser or system.
    if (os == null && v.containsKey("operating_system_version")) {
      return new Problem("device.operating_system", "device.operating_system is required with "
          + "device.operating_system_version", ValidationCode.VALUE_REQUIRED, DropReason.MISSING_FIELD);
    }
    if (browser == null && v.containsKey("browser_version")) {
      return new Problem("device.browser", "device.browser is required with device.browser_version",
          ValidationCode.VALUE_REQUIRED, DropReason.MISSING_FIELD);
    }
    String model = v.get("model");
    String brand = v.get("brand");
    if (category != null || os != null || browser != null || model != null || brand != null) {
      into.device = new SenderDevice(category, browser, v.get("browser_version"), os, v.get("operating_system_version"),
          model, brand);
    }
    // Language and resolution are hit fields of their own (an event's parameter may override them).
    into.language = language == null ? null : language.replace('_', '-');
    into.screenResolution = resolution;
    return null;
  }

  private static Problem readLocation(JsonNode node, Context into) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      return Problem.invalid("user_location", "user_location must be an object");
    }
    Texts texts = Texts.read(node, "user_location", "city", "region_id", "country_id", "subcontinent_id",
        "continent_id");
    if (texts.problem() != null) {
      return texts.problem();
    }
    Map<String, String> v = texts.values();
    String region = v.containsKey("region_id") ? v.get("region_id").toUpperCase(Locale.ROOT) : null;
    java.util.regex.Matcher rm = region == null ? null : REGION.matcher(region);
    if (rm != null && !rm.matches()) {
      return Problem.invalid("user_location.region_id", "user_location.region_id must be an ISO 3166-2 subdivision "
          + "code such as US-CA, was " + Problem.quote(v.get("region_id")));
    }
    String country = v.containsKey("country_id") ? v.get("country_id").toUpperCase(Locale.ROOT) : null;
    if (country != null && !COUNTRY.matcher(country).matches()) {
      return Problem.invalid("user_location.country_id", "user_location.country_id must be an ISO 3166-1 alpha-2 "
          + "country code such as US, was " + Problem.quote(v.get("country_id")));
    }
    if (rm != null && country != null && !rm.group(1).equals(country)) {
      return Problem.invalid("user_location.region_id", "user_location.region_id " + Problem.quote(region)
          + " is not a subdivision of country_id " + Problem.quote(country));
    }
    for (String area : new String[] {"subcontinent_id", "continent_id"}) {
      String code = v.get(area);
      if (code != null && !M49.matcher(code).matches()) {
        return Problem.invalid("user_location." + area, "user_location." + area + " must be a UN M49 code of three "
            + "digits such as " + (area.equals("continent_id") ? "019" : "021") + ", was " + Problem.quote(code));
      }
    }
    // Continent and subcontinent are checked but not kept (no hit column); a location without any of the kept
    // fields leaves the IP lookup to fill them.
    String city = v.get("city");
    if (city != null || region != null || country != null) {
      into.location = new SenderLocation(country != null ? country : rm == null ? null : rm.group(1), region, city);
    }
    return null;
  }

  /**
   * An event's name, checked as GA's validation server does, with its descriptions (its documented example: {@code
   * _badEventName} is NAME_INVALID, "Event at index: [0] has invalid name [_badEventName]. Names must start with an
   * alphabetic character."): the first character before the reserved prefixes, then the characters, the length, the
   * reserved names and prefixes. The descriptions start with "has": {@link #atEvent} puts the event's index before.
   */
  private static Problem checkEventName(String name, String path) {
    String shown = "[" + Problem.bracketed(name) + "]";
    if (name.isEmpty() || !Character.isLetter(name.charAt(0)) || name.charAt(0) > 'z') {
      return Problem.nameInvalid(path, "has invalid name " + shown + ". Names must start with an alphabetic character.");
    }
    if (!NAME.matcher(name).matches()) {
      return Problem.nameInvalid(path, "has invalid name " + shown
          + ". Only alphanumeric characters and underscores are allowed.");
    }
    if (name.length() > MAX_EVENT_NAME) {
      return Problem.outOfBounds(path, "has name " + shown + " longer than " + MAX_EVENT_NAME + " characters.");
    }
    if (RESERVED_EVENTS.contains(name)) {
      return Problem.nameReserved(path, "has reserved name " + shown + ".");
    }
    for (String prefix : RESERVED_PREFIXES) {
      if (name.startsWith(prefix)) {
        return Problem.nameReserved(path, "has name " + shown + " with the reserved prefix [" + prefix + "].");
      }
    }
    return null;
  }

  /**
   * A problem of the event at {@code index} as GA's validation server reports it: field path {@code events} (GA names
   * no finer path), the description saying which event ("Event at index: [2] ...") and, for a problem below the
   * event's name, which field of it.
   */
  static Problem atEvent(int index, Problem p) {
    String prefix = "events[" + index + "]";
    String field = p.fieldPath().startsWith(prefix + ".") ? p.fieldPath().substring(prefix.length() + 1) : "";
    String d = p.description().replace(prefix + ".", "");
    String text = d.startsWith("has ") ? d
        : field.isEmpty() || field.equals("name") || d.startsWith(field) ? "has an invalid value: " + d
        : "has an invalid " + field + ": " + d;
    return new Problem("events", "Event at index: [" + index + "] " + text, p.validationCode(), p.reason());
  }

  private static Problem checkName(String name, String path, int max) {
    for (String prefix : RESERVED_PREFIXES) {
      if (name.startsWith(prefix)) {
        return Problem.nameReserved(path, "name " + Problem.quote(name) + " uses the reserved prefix " + Problem.quote(prefix));
      }
    }
    if (name.isEmpty() || name.length() > max) {
      return Problem.outOfBounds(path, "name must be 1-" + max + " characters");
    }
    if (!NAME.matcher(name).matches()) {
      return Problem.nameInvalid(path, "name " + Problem.quote(name) + " must start with a letter and use only letters, digits and underscores");
    }
    return null;
  }
}
