package io.beacon.collector.enrich;

import io.beacon.collector.PropertyInfo;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.SenderDevice;
import io.beacon.collector.protocol.SenderLocation;
import io.beacon.model.Hit;
import io.beacon.model.attribution.Attribution;
import io.beacon.model.attribution.QueryParamPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a parsed {@link HitDraft} into the canonical {@link Hit}: request id (the sender's, else
 * derived from the payload so retries collapse; {@link RequestId}), event time, page fields, acquisition, device
 * (the sender's {@code device} fields, else the User-Agent), language (lower case), geo (the sender's {@code
 * user_location}, else a lookup of the anonymised IP: the IP itself never leaves this class) and the property's key
 * events. Pure apart from the UA cache and the geo database; no Vert.x.
 */
public final class Enricher {
  /** The request around the hit(s): connection facts the payload does not carry. */
  public record RequestInfo(String clientIp, String userAgent, String chMobile, String chPlatform, long nowMs) {}

  private final UserAgents userAgents;
  private final GeoLookup geo;

  public Enricher(UserAgents userAgents, GeoLookup geo) {
    this.userAgents = userAgents;
    this.geo = geo;
  }

  /**
   * The hit's request id: the sender's, else one derived from the payload (the same payload always gives the same
   * value; what the produced hit carries then also depends on the first attempt's time: {@link RequestId#produced}).
   */
  public static RequestId requestId(HitDraft d) {
    if (d.requestId != null) {
      return new RequestId(d.requestId, RequestId.Origin.SENDER);
    }
    String basis = d.protocol.wire() + "|" + d.propertyId + "|" + d.clientId + "|" + d.indexInRequest + "|" + d.payloadForId;
    return new RequestId(UUID.nameUUIDFromBytes(basis.getBytes(StandardCharsets.UTF_8)).toString(),
        RequestId.Origin.DERIVED);
  }

  /** Language tags are case-insensitive; reports group them in one spelling, lower case ({@code en-US} → {@code en-us}). */
  static String language(String tag) {
    return tag == null ? null : tag.toLowerCase(Locale.ROOT);
  }

  /** The device: the User-Agent's reading, with each field the sender set ({@link SenderDevice}) in its place. */
  DeviceInfo device(HitDraft d, RequestInfo req) {
    boolean payloadAgent = d.userAgent != null;
    DeviceInfo ua = userAgents.parse(d.protocol, payloadAgent ? d.userAgent : req.userAgent(),
        payloadAgent ? null : req.chMobile(), payloadAgent ? null : req.chPlatform());
    SenderDevice s = d.device;
    if (s == null) {
      return ua;
    }
    // Whether the hit is a bot stays the User-Agent's call: a sender's device fields never make or unmake one.
    return new DeviceInfo(s.category() != null ? s.category() : ua.category(),
        s.browser() != null ? s.browser() : ua.browser(), s.browser() != null ? s.browserVersion() : ua.browserVersion(),
        s.os() != null ? s.os() : ua.os(), s.os() != null ? s.osVersion() : ua.osVersion(),
        s.model() != null ? s.model() : ua.model(), s.brand() != null ? s.brand() : ua.brand(), ua.bot());
  }

  /**
   * The address the geo lookup uses, anonymised (null: none): the payload's ({@code uip}, {@code ip_override}),
   * else the connection's.
   */
  static InetAddress lookupAddress(HitDraft d, RequestInfo req) {
    InetAddress ip = IpAddresses.parse(d.clientIp != null ? d.clientIp : req.clientIp());
    return ip == null ? null : IpAddresses.anonymise(ip);
  }

  /** Where the user is: the sender's {@code user_location} when given (the IP is then not looked up), else the lookup. */
  GeoLookup.Geo place(HitDraft d, RequestInfo req) {
    SenderLocation l = d.location;
    if (l != null) {
      return new GeoLookup.Geo(l.country(), l.region(), l.city());
    }
    InetAddress ip = lookupAddress(d, req);
    return ip == null ? GeoLookup.Geo.NONE : geo.lookup(ip);
  }

  /** The page's hostname (from the URL, else the separately sent one), lower-cased. */
  public static String hostname(HitDraft d) {
    String h = Attribution.hostOf(d.pageLocation);
    return h != null ? h : d.hostname == null ? null : d.hostname.toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The canonical hit of a draft. Session fields are the sender's as sent: without a sender session id
   * {@code session_id} stays null and the model assigns the session by event time (docs/analytics-model.md,
   * "Semantics").
   */
  public Hit enrich(HitDraft d, RequestInfo req, PropertyInfo property) {
    String sentLocation = stripFragment(d.pageLocation);
    String hostname = hostname(d);
    // The property's query-parameter policy, applied to what is stored: the page URL, a sent page path (UA's dp may
    // carry a query), and a referrer from the page's own host (the site's previous page, whose URL the same policy
    // governs); another site's referrer is that site's URL, kept as sent (GA4's page_referrer). Campaign fields are
    // read from the URL as sent, before it is stripped.
    QueryParamPolicy policy = property.queryParams();
    String location = policy.apply(sentLocation);
    String referrer = d.pageReferrer;
    String referrerHost = Attribution.hostOf(referrer);
    if (referrerHost != null && referrerHost.equals(hostname)) {
      referrer = policy.apply(referrer);
    }
    String path = policy.apply(d.pagePath);
    if (path == null && location != null) {
      try {
        String p = URI.create(location.replace(" ", "%20")).getRawPath();
        path = p == null || p.isEmpty() ? "/" : p;
      } catch (IllegalArgumentException e) {
        path = null;
      }
    }
    Attribution acq = Attribution.of(new Attribution(d.source, d.medium, d.campaign, d.term, d.content),
        d.gclid, sentLocation, d.pageReferrer, hostname, property.allowedHostnames());
    DeviceInfo device = device(d, req);
    GeoLookup.Geo g = place(d, req);
    long ts = d.ts != null ? d.ts : req.nowMs() - (d.ageMs != null ? d.ageMs : 0);
    Map<String, String> params = d.params.isEmpty() ? null : Map.copyOf(d.params);
    return Hit.builder()
        .propertyId(d.propertyId)
        .streamId(d.streamId)
        .clientId(d.clientId)
        .userId(d.userId)
        .requestId(requestId(d).value()) // a derived id gets its first attempt's time once claimed (Ingest)
        .sessionId(d.sessionId)
        .sessionNumber(d.sessionNumber)
        .ts(ts)
        .receivedAt(req.nowMs())
        .eventName(d.eventName)
        .params(params)
        .engagementMs(d.engagementMs)
        .sessionEngaged(d.sessionEngaged)
        .keyEvent(property.keyEvents().contains(d.eventName) ? Boolean.TRUE : Boolean.FALSE)
        .firstVisit(d.firstVisit)
        .sessionStart(d.sessionStart)
        .nonInteraction(d.nonInteraction)
        .pageLocation(location)
        .hostname(hostname)
        .pagePath(path)
        .pageTitle(d.pageTitle)
        .pageReferrer(referrer)
        .source(acq.source())
        .medium(acq.medium())
        .campaign(acq.campaign())
        .term(acq.term())
        .content(acq.content())
        .deviceCategory(device.category())
        .browser(device.browser())
        .browserVersion(device.browserVersion())
        .os(device.os())
        .osVersion(device.osVersion())
        .deviceModel(device.model())
        .deviceBrand(device.brand())
        .screenResolution(d.screenResolution)
        .language(language(d.language))
        .country(g.country())
        .region(g.region())
        .city(g.city())
        .isBot(device.bot())
        .protocol(d.protocol.wire())
        .sessionRules(property.sessionRules()) // GA4's defaults stay off the wire
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }

  static String stripFragment(String url) {
    if (url == null) {
      return null;
    }
    int hash = url.indexOf('#');
    return hash < 0 ? url : url.substring(0, hash);
  }
}
