package io.beacon.loadgen;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts a {@link PlannedRequest} on the wire the way real clients do:
 * <ul>
 *   <li>tracker: {@code POST /g/collect?v=2&tid&cid&sid&sct&ul&sr} with one event per body line
 *       ({@code en, dl, dt, dr, _rid, _ss, _fv, _et, seg, ep.*, epn.*}), as {@code beacon.js} and gtag.js send;
 *       the User-Agent is the browser's;</li>
 *   <li>Measurement Protocol: {@code POST /mp/collect?measurement_id&api_secret}, JSON with {@code client_id},
 *       optional {@code timestamp_micros} and {@code events[]} whose params carry {@code page_location, page_title,
 *       page_referrer, language, screen_resolution, engagement_time_msec, request_id}; no session_id, so the
 *       collector keeps the session;</li>
 *   <li>Universal Analytics: {@code POST /collect} (one hit) or {@code /batch} (one per line) with {@code v=1, tid,
 *       cid, t, dl, dt, dr, ul, sr, ua, z} (and {@code uip}), as a server-side analytics.js proxy sends.</li>
 * </ul>
 * The client's address goes in {@code X-Forwarded-For} (UA: {@code uip}) only when {@code clientIps} is set: the
 * collector believes it only from a proxy it trusts.
 */
public final class Wire {

  /** An encoded request; {@code eventTimeMs} is the event time it states (null: the collector's receive time). */
  public record Encoded(String pathAndQuery, String contentType, String body, Map<String, String> headers,
      Long eventTimeMs) {}

  private Wire() {}

  /**
   * @param nowMs the send time (an MP request's event time is this minus its age)
   * @param apiSecret the property's Measurement Protocol secret
   * @param clientIps send the visitor's address for the collector to believe
   */
  public static Encoded encode(PlannedRequest r, long nowMs, String apiSecret, boolean clientIps) {
    return switch (r.protocol) {
      case TRACKER -> tracker(r, clientIps);
      case MP -> mp(r, nowMs, apiSecret, clientIps);
      case UA -> ua(r, clientIps);
    };
  }

  private static Encoded tracker(PlannedRequest r, boolean clientIps) {
    Visitor v = r.visitor;
    String query = "v=2&tid=" + enc(r.propertyId) + "&cid=" + enc(v.clientId()) + "&sid=" + r.sessionId + "&sct="
        + r.sessionNumber + "&ul=" + enc(v.language()) + "&sr=" + v.screen();
    List<String> lines = new ArrayList<>();
    for (PlannedHit h : r.hits) {
      StringBuilder q = new StringBuilder("en=").append(enc(h.eventName()))
          .append("&dl=").append(enc(h.pageLocation())).append("&dt=").append(enc(h.pageTitle()))
          .append("&_rid=").append(h.requestId());
      if (h.pageReferrer() != null) {
        q.append("&dr=").append(enc(h.pageReferrer()));
      }
      if (h.sessionStart()) {
        q.append("&_ss=1");
      }
      if (h.firstVisit()) {
        q.append("&_fv=1");
      }
      if (h.engagementMs() > 0) {
        q.append("&_et=").append(h.engagementMs());
      }
      if (h.sessionEngaged()) {
        q.append("&seg=1");
      }
      h.params().forEach((k, val) -> q.append(isNumber(val) ? "&epn." : "&ep.").append(enc(k)).append('=').append(enc(val)));
      lines.add(q.toString());
    }
    return new Encoded("/g/collect?" + query, "text/plain;charset=UTF-8", String.join("\n", lines),
        headers(v, clientIps), null);
  }

  private static Encoded mp(PlannedRequest r, long nowMs, String apiSecret, boolean clientIps) {
    JsonObject body = new JsonObject().put("client_id", r.visitor.clientId());
    Long eventTime = null;
    if (r.ageMs > 0) {
      eventTime = nowMs - r.ageMs;
      body.put("timestamp_micros", eventTime * 1000);
    }
    JsonArray events = new JsonArray();
    for (PlannedHit h : r.hits) {
      JsonObject p = new JsonObject()
          .put("page_location", h.pageLocation())
          .put("page_title", h.pageTitle())
          .put("language", r.visitor.language())
          .put("screen_resolution", r.visitor.screen())
          .put("request_id", h.requestId());
      if (h.pageReferrer() != null) {
        p.put("page_referrer", h.pageReferrer());
      }
      if (h.engagementMs() > 0) {
        p.put("engagement_time_msec", h.engagementMs());
      }
      h.params().forEach(p::put);
      events.add(new JsonObject().put("name", h.eventName()).put("params", p));
    }
    body.put("events", events);
    return new Encoded("/mp/collect?measurement_id=" + enc(r.propertyId) + "&api_secret=" + enc(apiSecret),
        "application/json", body.encode(), headers(r.visitor, clientIps), eventTime);
  }

  private static Encoded ua(PlannedRequest r, boolean clientIps) {
    List<String> lines = new ArrayList<>();
    Visitor v = r.visitor;
    for (PlannedHit h : r.hits) {
      StringBuilder q = new StringBuilder("v=1&tid=").append(enc(r.propertyId)).append("&cid=").append(enc(v.clientId()));
      if ("page_view".equals(h.eventName())) {
        q.append("&t=pageview");
      } else {
        q.append("&t=event&ec=").append(enc(h.params().getOrDefault("event_category", "engagement")))
            .append("&ea=").append(enc(h.params().get("event_action")));
      }
      q.append("&dl=").append(enc(h.pageLocation())).append("&dt=").append(enc(h.pageTitle()));
      if (h.pageReferrer() != null) {
        q.append("&dr=").append(enc(h.pageReferrer()));
      }
      q.append("&ul=").append(enc(v.language())).append("&sr=").append(v.screen()).append("&ua=").append(enc(v.agent().userAgent()));
      if (clientIps) {
        q.append("&uip=").append(v.ip());
      }
      q.append("&z=").append(h.requestId());
      lines.add(q.toString());
    }
    // A server-side sender: its own User-Agent; the browser's travels in `ua`.
    Map<String, String> headers = Map.of("User-Agent", "beacon-loadgen/1 (server-side proxy)");
    return new Encoded(r.batch ? "/batch" : "/collect", "text/plain;charset=UTF-8", String.join("\n", lines), headers, null);
  }

  private static Map<String, String> headers(Visitor v, boolean clientIps) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("User-Agent", v.agent().userAgent());
    if (clientIps) {
      h.put("X-Forwarded-For", v.ip());
    }
    return h;
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
