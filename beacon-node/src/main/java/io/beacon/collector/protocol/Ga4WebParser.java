package io.beacon.collector.protocol;

import io.beacon.model.report.CustomDimension;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GA4's web protocol as gtag.js and Beacon's tracker send it: {@code /g/collect?v=2&tid=…&cid=…}
 * with the event in the query string, or several events in the body, one query-string line each,
 * sharing the query's parameters (a line's own parameters win). Beacon's tracker adds {@code _rid}
 * (a GUID per hit) so retries collapse; gtag.js sends none, so an id is derived from the payload.
 */
public final class Ga4WebParser {
  /** GA's own limits for web events. */
  static final int MAX_EVENTS = 25;
  static final int MAX_PARAMS = 25;
  static final int MAX_NAME = 40;
  static final int MAX_VALUE = 100;
  static final int MAX_URL = FieldLimits.MAX_PAGE_LOCATION;

  private Ga4WebParser() {}

  /**
   * @param query the decoded query parameters
   * @param rawQuery the raw query string (part of derived request ids)
   * @param body the request body, or null/empty when the single event is in the query
   */
  public static ParseResult parse(Map<String, String> query, String rawQuery, String body) {
    ParseResult result = new ParseResult();
    if (!"2".equals(query.get("v"))) {
      return ParseResult.failed(Problem.invalid("v", "v must be 2 (GA4 web protocol), was " + Problem.quote(query.get("v"))));
    }
    String[] lines = body == null || body.isBlank() ? new String[] {""} : body.split("\r?\n");
    int count = 0;
    for (String line : lines) {
      if (body != null && !body.isBlank() && line.isBlank()) {
        continue;
      }
      if (++count > MAX_EVENTS) {
        result.problems.add(Problem.tooMany("events", "at most " + MAX_EVENTS + " events per request"));
        break;
      }
      Map<String, String> p = new LinkedHashMap<>(query);
      p.putAll(QueryStrings.parse(line));
      HitDraft d = new HitDraft();
      d.indexInRequest = count - 1;
      d.payloadForId = rawQuery + "\n" + line;
      Problem problem = fill(d, p);
      if (problem != null) {
        result.problems.add(problem);
      } else {
        result.hits.add(d);
      }
    }
    return result;
  }

  private static Problem fill(HitDraft d, Map<String, String> p) {
    d.protocol = Protocol.GA4_WEB;
    d.propertyId = QueryStrings.blankToNull(p.get("tid"));
    if (d.propertyId == null) {
      return Problem.required("tid");
    }
    d.clientId = QueryStrings.blankToNull(p.get("cid"));
    if (d.clientId == null) {
      return Problem.required("cid");
    }
    d.eventName = QueryStrings.blankToNull(p.get("en"));
    if (d.eventName == null) {
      return Problem.required("en");
    }
    if (d.eventName.length() > MAX_NAME) {
      return Problem.outOfBounds("en", "event name longer than " + MAX_NAME + " characters");
    }
    if (d.clientId.length() > MeasurementProtocolParser.MAX_CLIENT_ID) {
      return Problem.outOfBounds("cid", "cid longer than " + MeasurementProtocolParser.MAX_CLIENT_ID + " characters");
    }
    d.userId = QueryStrings.blankToNull(p.get("uid"));
    if (d.userId != null && d.userId.length() > MeasurementProtocolParser.MAX_USER_ID) {
      return Problem.outOfBounds("uid", "uid longer than " + MeasurementProtocolParser.MAX_USER_ID + " characters");
    }
    d.requestId = QueryStrings.blankToNull(p.get("_rid"));
    d.sessionId = QueryStrings.blankToNull(p.get("sid"));
    try {
      d.sessionNumber = intOrNull(p.get("sct"));
      d.engagementMs = longOrNull(p.get("_et"));
    } catch (NumberFormatException e) {
      return Problem.invalid(p.containsKey("sct") && !isInt(p.get("sct")) ? "sct" : "_et", "must be a non-negative integer");
    }
    if ((d.sessionNumber != null && d.sessionNumber < 0) || (d.engagementMs != null && d.engagementMs < 0)) {
      return Problem.invalid(d.engagementMs != null && d.engagementMs < 0 ? "_et" : "sct", "must be a non-negative integer");
    }
    d.sessionEngaged = flag(p.get("seg"));
    d.firstVisit = flag(p.get("_fv"));
    d.sessionStart = flag(p.get("_ss"));
    d.pageLocation = QueryStrings.blankToNull(p.get("dl"));
    if (d.pageLocation != null && (d.pageLocation.length() > MAX_URL || !d.pageLocation.matches("(?i)https?://.+"))) {
      return Problem.invalid("dl", "must be an http(s) URL of at most " + MAX_URL + " characters");
    }
    d.pageReferrer = QueryStrings.blankToNull(p.get("dr"));
    d.pageTitle = QueryStrings.blankToNull(p.get("dt"));
    d.language = QueryStrings.blankToNull(p.get("ul"));
    d.screenResolution = QueryStrings.blankToNull(p.get("sr"));
    int params = 0;
    int userProperties = 0;
    for (Map.Entry<String, String> e : p.entrySet()) {
      String k = e.getKey();
      // up./upn.: user properties (customUser:<name>, CustomDimension), kept beside the event's parameters.
      boolean user = k.startsWith("up.") || k.startsWith("upn.");
      if (user) {
        String name = k.substring(k.startsWith("up.") ? 3 : 4);
        if (name.isEmpty() || name.length() > MeasurementProtocolParser.MAX_USER_PROPERTY_NAME) {
          return Problem.nameInvalid(k, "user property name must be 1-" + MeasurementProtocolParser.MAX_USER_PROPERTY_NAME + " characters");
        }
        if (k.startsWith("upn.") && !isNumber(e.getValue())) {
          return Problem.invalid(k, "numeric user property must be a number, was " + Problem.quote(e.getValue()));
        }
        if (++userProperties > MeasurementProtocolParser.MAX_USER_PROPERTIES) {
          return Problem.tooMany("up", "at most " + MeasurementProtocolParser.MAX_USER_PROPERTIES + " user properties per event");
        }
        d.params.put(CustomDimension.USER_PARAM_PREFIX + name, truncate(e.getValue(), MeasurementProtocolParser.MAX_USER_PROPERTY_VALUE));
        continue;
      }
      boolean text = k.startsWith("ep.");
      boolean number = k.startsWith("epn.");
      if (!text && !number) {
        continue;
      }
      String name = k.substring(text ? 3 : 4);
      if (name.isEmpty() || name.length() > MAX_NAME) {
        return Problem.nameInvalid(k, "parameter name must be 1-" + MAX_NAME + " characters");
      }
      if (number && !isNumber(e.getValue())) {
        return Problem.invalid(k, "numeric parameter must be a number, was " + Problem.quote(e.getValue()));
      }
      if (++params > MAX_PARAMS) {
        return Problem.tooMany("ep", "at most " + MAX_PARAMS + " parameters per event");
      }
      // GA truncates long web parameter values rather than dropping the event.
      d.params.put(name, truncate(e.getValue(), MAX_VALUE));
    }
    // Every other field: truncated at GA4's limits, an over-long id refused (FieldLimits).
    return FieldLimits.applyWeb(d);
  }

  static Boolean flag(String v) {
    return v == null ? null : ("1".equals(v) || "true".equalsIgnoreCase(v)) ? Boolean.TRUE : null;
  }

  static Integer intOrNull(String v) {
    return v == null || v.isEmpty() ? null : Integer.parseInt(v);
  }

  static Long longOrNull(String v) {
    return v == null || v.isEmpty() ? null : Long.parseLong(v);
  }

  private static boolean isInt(String v) {
    try {
      Integer.parseInt(v);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  static boolean isNumber(String v) {
    try {
      double d = Double.parseDouble(v);
      return !Double.isNaN(d) && !Double.isInfinite(d);
    } catch (NumberFormatException | NullPointerException e) {
      return false;
    }
  }

  static String truncate(String s, int max) {
    return FieldLimits.truncate(s, max);
  }
}
