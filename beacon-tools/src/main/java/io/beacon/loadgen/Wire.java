package io.beacon.loadgen;

import io.beacon.loadgen.PlannedRequest.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Puts a {@link PlannedRequest} on the wire the way real clients do:
 * <ul>
 *   <li>tracker ({@code beacon.js}): {@code POST /g/collect?v=2&tid&cid&sid&sct&ul&sr} with one event per body line
 *       ({@code en, dl, dt, dr, _rid, _ss, _fv, _et, seg, ep.*, epn.*}); the User-Agent is the browser's;</li>
 *   <li>gtag.js: {@code POST /g/collect?v=2&tid&gtm&_p&cid&ul&sr&_s&sid&sct&seg&dl&dr&dt}, a single event in the
 *       query itself ({@code en, _et, _ss, _fv, ep.*}) with an empty body, or several as body lines. No request id:
 *       the page-load id {@code _p} and the hit counter {@code _s} make every hit's payload distinct, so the
 *       collector's payload-derived id collapses only true copies;</li>
 *   <li>Measurement Protocol: {@code POST /mp/collect?measurement_id&api_secret}, JSON with {@code client_id},
 *       optional request- and event-level {@code timestamp_micros}, {@code device}, {@code user_location},
 *       {@code ip_override}, and {@code events[]} whose params carry {@code page_location, page_title,
 *       page_referrer, session_id, engagement_time_msec, request_id} (and {@code language, screen_resolution}
 *       when there is no device object); the User-Agent header only when the sender knows one;</li>
 *   <li>Universal Analytics: {@code POST /collect} (one hit) or {@code /batch} (one per line) with {@code v=1, tid,
 *       cid, t, dl, dt, dr, ul, sr, ua, ni, qt, z} (and {@code uip}), as a server-side analytics.js proxy sends,
 *       with its own User-Agent header or none.</li>
 * </ul>
 * The client's address goes in {@code X-Forwarded-For} (UA: {@code uip}) only when {@code clientIps} is set: the
 * collector believes it only from a proxy it trusts. MP's {@code ip_override} is in the body, believed from anyone.
 */
public final class Wire {
  /** A server-side UA sender's own User-Agent. */
  static final String PROXY_AGENT = "beacon-loadgen/1 (server-side proxy)";

  /**
   * An encoded request and the times it states: per hit, an absolute event time (MP timestamp_micros) or a queue
   * time (UA qt; 0 when none), so that its event time is {@link #eventTime}.
   */
  public record Encoded(String pathAndQuery, String contentType, String body, Map<String, String> headers,
      List<Long> statedTimes, List<Long> queueTimes) {

    /** Hit {@code i}'s event time when the collector received the request at {@code receivedAtMs}. */
    public long eventTime(int i, long receivedAtMs) {
      Long stated = statedTimes.get(i);
      return stated != null ? stated : receivedAtMs - queueTimes.get(i);
    }

    /** False when the request must go without any User-Agent header (a server-side sender that knows none). */
    public boolean sendsUserAgent() {
      return headers.containsKey("User-Agent");
    }
  }

  private Wire() {}

  /**
   * @param nowMs the send time (a journey's anchor is fixed by its first request's; UA queue times count back
   *     from it)
   * @param apiSecret the property's Measurement Protocol secret
   * @param clientIps send the visitor's address for the collector to believe
   */
  public static Encoded encode(PlannedRequest r, long nowMs, String apiSecret, boolean clientIps) {
    return switch (r.protocol) {
      case TRACKER -> tracker(r, clientIps);
      case GTAG -> gtag(r, clientIps);
      case MP -> mp(r, nowMs, apiSecret, clientIps);
      case UA -> ua(r, nowMs, clientIps);
    };
  }

  private static Encoded tracker(PlannedRequest r, boolean clientIps) {
    Visitor v = r.visitor;
    String query = "v=2&tid=" + enc(r.propertyId) + "&cid=" + enc(v.clientId()) + "&sid=" + r.sessionId + "&sct="
        + r.sessionNumber + "&ul=" + enc(v.language().toLowerCase(Locale.ROOT)) + "&sr=" + v.screen();
    List<String> lines = new ArrayList<>();
    for (PlannedHit h : r.hits) {
      StringBuilder q = new StringBuilder("en=").append(enc(h.eventName()))
          .append("&dl=").append(enc(h.pageLocation())).append("&dt=").append(enc(h.pageTitle()))
          .append("&_rid=").append(h.requestId());
      if (h.pageReferrer() != null) {
        q.append("&dr=").append(enc(h.pageReferrer()));
      }
      flags(q, h);
      if (h.sentSessionEngaged()) {
        q.append("&seg=1");
      }
      params(q, h);
      lines.add(q.toString());
    }
    return new Encoded("/g/collect?" + query, "text/plain;charset=UTF-8", String.join("\n", lines),
        headers(v, true, clientIps), receiveTimes(r), zeros(r));
  }

  private static Encoded gtag(PlannedRequest r, boolean clientIps) {
    Visitor v = r.visitor;
    PlannedHit first = r.hits.get(0);
    StringBuilder query = new StringBuilder("v=2&tid=").append(enc(r.propertyId)).append("&gtm=45je5190v9&_p=")
        .append(r.pageLoadId).append("&cid=").append(enc(v.clientId())).append("&ul=")
        .append(enc(v.language().toLowerCase(Locale.ROOT))).append("&sr=").append(v.screen())
        .append("&_s=").append(r.hitSequence).append("&sid=").append(r.sessionId).append("&sct=")
        .append(r.sessionNumber).append("&seg=").append(first.sentSessionEngaged() ? 1 : 0)
        .append("&dl=").append(enc(first.pageLocation()));
    if (first.pageReferrer() != null) {
      query.append("&dr=").append(enc(first.pageReferrer()));
    }
    query.append("&dt=").append(enc(first.pageTitle()));
    List<String> lines = new ArrayList<>();
    for (PlannedHit h : r.hits) {
      StringBuilder q = new StringBuilder("en=").append(enc(h.eventName()));
      flags(q, h);
      if (h.sentSessionEngaged() && !first.sentSessionEngaged()) {
        q.append("&seg=1"); // a line's parameters win over the query's
      }
      params(q, h);
      lines.add(q.toString());
    }
    if (lines.size() == 1) { // as gtag.js sends a lone event: all in the query, no body
      return new Encoded("/g/collect?" + query + "&" + lines.get(0), "text/plain;charset=UTF-8", "",
          headers(v, true, clientIps), receiveTimes(r), zeros(r));
    }
    return new Encoded("/g/collect?" + query, "text/plain;charset=UTF-8", String.join("\r\n", lines),
        headers(v, true, clientIps), receiveTimes(r), zeros(r));
  }

  private static void flags(StringBuilder q, PlannedHit h) {
    if (h.sentSessionStart()) {
      q.append("&_ss=1");
    }
    if (h.sentFirstVisit()) {
      q.append("&_fv=1");
    }
    if (h.engagementMs() > 0) {
      q.append("&_et=").append(h.engagementMs());
    }
  }

  private static void params(StringBuilder q, PlannedHit h) {
    h.params().forEach((k, val) -> q.append(isNumber(val) ? "&epn." : "&ep.").append(enc(k)).append('=').append(enc(val)));
  }

  private static Encoded mp(PlannedRequest r, long nowMs, String apiSecret, boolean clientIps) {
    Visitor v = r.visitor;
    JsonObject body = new JsonObject().put("client_id", v.clientId());
    long anchor = r.anchor.ms(nowMs);
    List<Long> stated = new ArrayList<>();
    Long requestTime = switch (r.timing) {
      case REQUEST, MIXED -> anchor + r.hits.get(0).offsetMs();
      default -> null;
    };
    if (requestTime != null) {
      body.put("timestamp_micros", requestTime * 1000);
    }
    if (v.location() != null) {
      body.put("user_location", new JsonObject().put("city", v.location().city())
          .put("region_id", v.location().regionId()).put("country_id", v.location().countryId()));
    }
    if (v.device() != null) {
      Visitor.MpDevice d = v.device();
      JsonObject device = new JsonObject();
      putIf(device, "category", d.category());
      putIf(device, "language", d.language());
      putIf(device, "screen_resolution", d.screenResolution());
      putIf(device, "operating_system", d.operatingSystem());
      putIf(device, "operating_system_version", d.operatingSystemVersion());
      putIf(device, "model", d.model());
      putIf(device, "brand", d.brand());
      putIf(device, "browser", d.browser());
      putIf(device, "browser_version", d.browserVersion());
      body.put("device", device);
    }
    if (v.ipOverride()) {
      body.put("ip_override", v.ip());
    }
    JsonArray events = new JsonArray();
    for (int i = 0; i < r.hits.size(); i++) {
      PlannedHit h = r.hits.get(i);
      JsonObject p = new JsonObject()
          .put("page_location", h.pageLocation())
          .put("page_title", h.pageTitle());
      if (v.device() == null) {
        p.put("language", v.language()).put("screen_resolution", v.screen());
      }
      p.put("request_id", h.requestId());
      if (h.sessionId() != null) {
        p.put("session_id", h.sessionId());
      }
      if (h.pageReferrer() != null) {
        p.put("page_referrer", h.pageReferrer());
      }
      if (h.engagementMs() > 0) {
        p.put("engagement_time_msec", h.engagementMs());
      }
      h.params().forEach(p::put);
      JsonObject event = new JsonObject().put("name", h.eventName());
      boolean own = r.timing == Timing.EVENT || r.timing == Timing.MIXED && i > 0;
      if (own) {
        event.put("timestamp_micros", (anchor + h.offsetMs()) * 1000);
        stated.add(anchor + h.offsetMs());
      } else {
        stated.add(requestTime);
      }
      events.add(event.put("params", p));
    }
    body.put("events", events);
    return new Encoded("/mp/collect?measurement_id=" + enc(r.propertyId) + "&api_secret=" + enc(apiSecret),
        "application/json", body.encode(), headers(v, v.agent() != null, clientIps && !v.ipOverride()), stated,
        zeros(r));
  }

  private static void putIf(JsonObject o, String k, String v) {
    if (v != null) {
      o.put(k, v);
    }
  }

  private static Encoded ua(PlannedRequest r, long nowMs, boolean clientIps) {
    List<String> lines = new ArrayList<>();
    List<Long> queued = new ArrayList<>();
    Visitor v = r.visitor;
    long anchor = r.anchor.ms(nowMs);
    for (PlannedHit h : r.hits) {
      StringBuilder q = new StringBuilder("v=1&tid=").append(enc(r.propertyId)).append("&cid=").append(enc(v.clientId()));
      if ("page_view".equals(h.eventName())) {
        q.append("&t=pageview");
      } else {
        q.append("&t=event&ec=").append(enc(h.params().getOrDefault("event_category", "engagement")))
            .append("&ea=").append(enc(h.params().get("event_action")));
        if (h.nonInteraction()) {
          q.append("&ni=1");
        }
      }
      q.append("&dl=").append(enc(h.pageLocation())).append("&dt=").append(enc(h.pageTitle()));
      if (h.pageReferrer() != null) {
        q.append("&dr=").append(enc(h.pageReferrer()));
      }
      q.append("&ul=").append(enc(v.language())).append("&sr=").append(v.screen());
      if (v.agent() != null) {
        q.append("&ua=").append(enc(v.agent().userAgent()));
      }
      if (clientIps) {
        q.append("&uip=").append(v.ip());
      }
      long qt = r.timing == Timing.QUEUE ? Math.max(0, nowMs - (anchor + h.offsetMs())) : 0;
      if (qt > 0) {
        q.append("&qt=").append(qt);
      }
      queued.add(qt);
      q.append("&z=").append(h.requestId());
      lines.add(q.toString());
    }
    // A server-side sender: its own User-Agent, or none; the browser's travels in `ua`.
    Map<String, String> headers = v.proxyHeader() ? Map.of("User-Agent", PROXY_AGENT) : Map.of();
    return new Encoded(r.batch ? "/batch" : "/collect", "text/plain;charset=UTF-8", String.join("\n", lines), headers,
        Collections.nCopies(r.hits.size(), null), queued);
  }

  private static Map<String, String> headers(Visitor v, boolean userAgent, boolean clientIps) {
    Map<String, String> h = new LinkedHashMap<>();
    if (userAgent) {
      h.put("User-Agent", v.agent().userAgent());
    }
    if (clientIps) {
      h.put("X-Forwarded-For", v.ip());
    }
    return h;
  }

  private static List<Long> receiveTimes(PlannedRequest r) {
    return Collections.nCopies(r.hits.size(), null);
  }

  private static List<Long> zeros(PlannedRequest r) {
    return Collections.nCopies(r.hits.size(), 0L);
  }

  /** encodeURIComponent, as the tracker encodes. */
  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~").replace("%21", "!")
        .replace("%27", "'").replace("%28", "(").replace("%29", ")").replace("%2A", "*");
  }

  private static boolean isNumber(String s) {
    return s.matches("-?\\d+(\\.\\d+)?");
  }
}
