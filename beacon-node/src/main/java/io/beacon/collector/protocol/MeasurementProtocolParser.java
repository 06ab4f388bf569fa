package io.beacon.collector.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * GA4 Measurement Protocol: {@code POST /mp/collect?measurement_id=…&api_secret=…} with GA's JSON
 * body ({@code client_id, user_id, timestamp_micros, user_properties, events[]{name, params}}),
 * checked against GA's documented limits. Request-level problems (bad JSON, no client_id, too many
 * events) reject the whole request; a bad event is reported and the good ones are kept.
 * The api_secret is checked against the property by the caller.
 */
public final class MeasurementProtocolParser {
  public static final int MAX_BODY_BYTES = 130 * 1024;
  static final int MAX_EVENTS = 25;
  static final int MAX_PARAMS = 25;
  static final int MAX_EVENT_NAME = 40;
  static final int MAX_PARAM_NAME = 40;
  static final int MAX_PARAM_VALUE = 100;
  /** GA4's longer limits for the page parameters (page_location 1000, page_referrer 420, page_title 300). */
  static final Map<String, Integer> MAX_PAGE_PARAM_VALUE =
      Map.of("page_location", 1000, "page_referrer", 420, "page_title", 300);
  static final int MAX_USER_PROPERTIES = 25;
  static final int MAX_USER_PROPERTY_NAME = 24;
  static final int MAX_USER_PROPERTY_VALUE = 36;
  static final int MAX_USER_ID = 256;
  /** Not one of GA's documented limits (its ids are ~20 characters): the client id keys sessions and de-duplication. */
  static final int MAX_CLIENT_ID = 256;
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
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
    if (measurementId == null || measurementId.isBlank()) {
      return ParseResult.failed(Problem.required("measurement_id"));
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
    JsonNode cid = root.get("client_id");
    if (cid == null || cid.isNull()) {
      return ParseResult.failed(Problem.required("client_id"));
    }
    if (!cid.isTextual() || cid.asText().isBlank()) {
      return ParseResult.failed(Problem.invalid("client_id", "client_id must be a non-empty string"));
    }
    if (cid.asText().length() > MAX_CLIENT_ID) {
      return ParseResult.failed(Problem.outOfBounds("client_id", "client_id longer than " + MAX_CLIENT_ID + " characters"));
    }
    JsonNode uid = root.get("user_id");
    if (uid != null && !uid.isNull() && (!uid.isTextual() || uid.asText().length() > MAX_USER_ID)) {
      return ParseResult.failed(Problem.invalid("user_id", "user_id must be a string of at most " + MAX_USER_ID + " characters"));
    }
    Long ts = null;
    JsonNode tsNode = root.get("timestamp_micros");
    if (tsNode != null && !tsNode.isNull()) {
      long micros;
      if (tsNode.isIntegralNumber()) {
        micros = tsNode.asLong();
      } else if (tsNode.isTextual() && tsNode.asText().matches("\\d{1,18}")) { // 19 digits may overflow a long
        micros = Long.parseLong(tsNode.asText());
      } else {
        return ParseResult.failed(Problem.invalid("timestamp_micros", "timestamp_micros must be an integer (microseconds since the epoch)"));
      }
      ts = micros / 1000;
      if (ts < nowMs - maxAgeMs) {
        return ParseResult.failed(Problem.outOfBounds("timestamp_micros", "timestamp_micros is more than " + (maxAgeMs / 3_600_000) + " hours in the past"));
      }
      if (ts > nowMs + maxSkewMs) {
        return ParseResult.failed(Problem.outOfBounds("timestamp_micros", "timestamp_micros is in the future"));
      }
    }
    Problem up = checkUserProperties(root.get("user_properties"));
    if (up != null) {
      return ParseResult.failed(up);
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
      d.propertyId = measurementId;
      d.clientId = cid.asText();
      d.userId = uid == null || uid.isNull() ? null : QueryStrings.blankToNull(uid.asText());
      d.ts = ts;
      d.indexInRequest = i;
      JsonNode ev = events.get(i);
      d.payloadForId = cid.asText() + "|" + (tsNode == null ? "" : tsNode.asText()) + "|" + ev;
      Problem p = fillEvent(d, ev, "events[" + i + "]");
      if (p != null) {
        result.problems.add(p);
      } else {
        result.hits.add(d);
      }
    }
    return result;
  }

  private static Problem checkUserProperties(JsonNode ups) {
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
    }
    return null;
  }

  private static Problem fillEvent(HitDraft d, JsonNode ev, String path) {
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
    Problem np = checkName(name.asText(), path + ".name", MAX_EVENT_NAME);
    if (np != null) {
      return np;
    }
    if (RESERVED_EVENTS.contains(name.asText())) {
      return Problem.nameReserved(path + ".name", "event name " + Problem.quote(name.asText()) + " is reserved");
    }
    d.eventName = name.asText();
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
        if (!v.isArray()) {
          return Problem.invalid(ppath, "items must be an array");
        }
        d.params.put("items", v.toString());
        continue;
      }
      if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
        return Problem.invalid(ppath, "parameter value must be a string, number or boolean");
      }
      String value = v.asText();
      int max = MAX_PAGE_PARAM_VALUE.getOrDefault(key, MAX_PARAM_VALUE);
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
        case "language" -> d.language = QueryStrings.blankToNull(value);
        case "screen_resolution" -> d.screenResolution = QueryStrings.blankToNull(value);
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
