package io.beacon.collector.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Universal Analytics Measurement Protocol v1: {@code /collect} (one hit, in the query or the body)
 * and {@code /batch} (up to 20 hits, one per line). A bad hit in a batch is reported; the others
 * are kept.
 */
public final class UniversalParser {
  public static final int MAX_HIT_BYTES = 8 * 1024;
  public static final int MAX_BATCH_BYTES = 16 * 1024;
  public static final int MAX_BATCH_HITS = 20;
  private static final Set<String> TYPES = Set.of("pageview", "screenview", "event", "transaction",
      "item", "social", "exception", "timing");

  private UniversalParser() {}

  /** One hit ({@code /collect}): the query string for GET, the body for POST. */
  public static ParseResult parseSingle(String payload, long nowMs, long maxAgeMs) {
    ParseResult r = new ParseResult();
    if (payload.getBytes(StandardCharsets.UTF_8).length > MAX_HIT_BYTES) {
      return ParseResult.failed(Problem.outOfBounds("", "hit larger than " + MAX_HIT_BYTES + " bytes"));
    }
    add(r, payload, 0, "", nowMs, maxAgeMs);
    return r;
  }

  /** {@code /batch}: one hit per line. */
  public static ParseResult parseBatch(String body, long nowMs, long maxAgeMs) {
    if (body.getBytes(StandardCharsets.UTF_8).length > MAX_BATCH_BYTES) {
      return ParseResult.failed(Problem.outOfBounds("", "batch larger than " + MAX_BATCH_BYTES + " bytes"));
    }
    ParseResult r = new ParseResult();
    int i = 0;
    for (String line : body.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (i >= MAX_BATCH_HITS) {
        r.problems.add(Problem.tooMany("hits", "at most " + MAX_BATCH_HITS + " hits per batch"));
        break;
      }
      String prefix = "hits[" + i + "].";
      if (line.getBytes(StandardCharsets.UTF_8).length > MAX_HIT_BYTES) {
        r.problems.add(Problem.outOfBounds("hits[" + i + "]", "hit larger than " + MAX_HIT_BYTES + " bytes"));
      } else {
        add(r, line, i, prefix, nowMs, maxAgeMs);
      }
      i++;
    }
    if (i == 0) {
      r.problems.add(Problem.required("hits"));
    }
    return r;
  }

  private static void add(ParseResult r, String line, int index, String prefix, long nowMs, long maxAgeMs) {
    HitDraft d = new HitDraft();
    d.indexInRequest = index;
    Problem p = fill(d, QueryStrings.parse(line), line, nowMs, maxAgeMs);
    if (p != null) {
      r.problems.add(p.under(prefix));
    } else {
      r.hits.add(d);
    }
  }

  private static Problem fill(HitDraft d, Map<String, String> p, String line, long nowMs, long maxAgeMs) {
    d.protocol = Protocol.UA;
    if (!"1".equals(p.get("v"))) {
      return Problem.invalid("v", "v must be 1 (Measurement Protocol v1), was " + Problem.quote(p.get("v")));
    }
    d.propertyId = QueryStrings.blankToNull(p.get("tid"));
    if (d.propertyId == null) {
      return Problem.required("tid");
    }
    d.userId = QueryStrings.blankToNull(p.get("uid"));
    d.clientId = QueryStrings.blankToNull(p.get("cid"));
    if (d.userId != null && d.userId.length() > MeasurementProtocolParser.MAX_USER_ID) {
      return Problem.outOfBounds("uid", "uid longer than " + MeasurementProtocolParser.MAX_USER_ID + " characters");
    }
    if (d.clientId != null && d.clientId.length() > MeasurementProtocolParser.MAX_CLIENT_ID) {
      return Problem.outOfBounds("cid", "cid longer than " + MeasurementProtocolParser.MAX_CLIENT_ID + " characters");
    }
    if (d.clientId == null && d.userId == null) {
      return new Problem("cid", "cid or uid is required", ValidationCode.VALUE_REQUIRED, DropReason.MISSING_FIELD);
    }
    String t = p.get("t");
    if (t == null || t.isBlank()) {
      return Problem.required("t");
    }
    if (!TYPES.contains(t)) {
      return Problem.invalid("t", "unknown hit type " + Problem.quote(t));
    }
    d.pageLocation = QueryStrings.blankToNull(p.get("dl"));
    d.hostname = QueryStrings.blankToNull(p.get("dh"));
    d.pagePath = QueryStrings.blankToNull(p.get("dp"));
    d.pageTitle = QueryStrings.blankToNull(p.get("dt"));
    d.pageReferrer = QueryStrings.blankToNull(p.get("dr"));
    d.screenResolution = QueryStrings.blankToNull(p.get("sr"));
    d.language = QueryStrings.blankToNull(p.get("ul"));
    d.userAgent = QueryStrings.blankToNull(p.get("ua"));
    d.clientIp = QueryStrings.blankToNull(p.get("uip"));
    d.campaign = QueryStrings.blankToNull(p.get("cn"));
    d.source = QueryStrings.blankToNull(p.get("cs"));
    d.medium = QueryStrings.blankToNull(p.get("cm"));
    d.term = QueryStrings.blankToNull(p.get("ck"));
    d.content = QueryStrings.blankToNull(p.get("cc"));
    d.gclid = QueryStrings.blankToNull(p.get("gclid"));
    d.sessionStart = "start".equals(p.get("sc")) ? Boolean.TRUE : null;
    // ni=1: a non-interaction hit (it does not make two interaction hits of a session: Sessions, "Engaged"); ni=0,
    // absent or anything else: an interaction, left null.
    d.nonInteraction = "1".equals(p.get("ni")) ? Boolean.TRUE : null;
    // The cache buster is the sender's id of the hit (analytics.js draws one per hit and repeats it on a retry):
    // copies with the same z collapse within the 24 h de-dup window. Without it the collector derives an id from
    // the hit's bytes, which collapses only copies within collector.derivedIdWindowMs (Enricher.requestId).
    d.requestId = QueryStrings.blankToNull(p.get("z"));
    if (d.clientIp != null && !d.clientIp.matches("[0-9A-Fa-f:.]{2,45}")) {
      return Problem.invalid("uip", "uip must be an IP address");
    }
    String vp = QueryStrings.blankToNull(p.get("vp"));
    if (vp != null) {
      d.params.put("viewport_size", vp);
    }
    String qt = p.get("qt");
    if (qt != null) {
      if (!qt.matches("\\d{1,12}")) {
        return Problem.invalid("qt", "qt must be a non-negative integer (milliseconds)");
      }
      long age = Long.parseLong(qt);
      if (age > maxAgeMs) {
        return Problem.outOfBounds("qt", "qt is more than " + (maxAgeMs / 3_600_000) + " hours");
      }
      d.ageMs = age;
    }
    switch (t) {
      case "pageview" -> d.eventName = "page_view";
      case "screenview" -> {
        d.eventName = "screen_view";
        putIf(d, "screen_name", p.get("cd"));
      }
      case "event" -> {
        String ea = QueryStrings.blankToNull(p.get("ea"));
        if (QueryStrings.blankToNull(p.get("ec")) == null || ea == null) {
          return Problem.required(ea == null ? "ea" : "ec");
        }
        d.eventName = eventName(ea);
        putIf(d, "event_category", p.get("ec"));
        putIf(d, "event_action", ea);
        putIf(d, "event_label", p.get("el"));
        String ev = p.get("ev");
        if (ev != null && !ev.isEmpty()) {
          if (!ev.matches("\\d{1,18}")) {
            return Problem.invalid("ev", "ev must be a non-negative integer");
          }
          d.params.put("value", ev);
        }
      }
      default -> d.eventName = t;
    }
    // Without z, a retry of the very same request repeats these bytes: the input of a derived request id.
    d.payloadForId = line;
    // Every field: truncated at GA4's limits (UA's documented ones where GA4 has none), an over-long id refused.
    Problem limits = FieldLimits.applyWeb(d);
    if (d.clientId == null) {
      d.clientId = "uid:" + d.userId;
    }
    return limits;
  }

  /** A UA event action as a GA4-style event name: lower snake case, letters first, 40 chars. */
  static String eventName(String action) {
    String s = action.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
    if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
      s = "event_" + s;
    }
    return s.length() > 40 ? s.substring(0, 40) : s;
  }

  private static void putIf(HitDraft d, String k, String v) {
    if (v != null && !v.isBlank()) {
      d.params.put(k, FieldLimits.truncate(v, FieldLimits.MAX_TEXT));
    }
  }
}
