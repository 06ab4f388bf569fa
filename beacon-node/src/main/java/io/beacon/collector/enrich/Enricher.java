package io.beacon.collector.enrich;

import io.beacon.collector.PropertyInfo;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.model.Hit;
import io.beacon.model.attribution.Attribution;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a parsed {@link HitDraft} into the canonical {@link Hit}: request id (the sender's, else
 * derived from the payload so retries collapse), event time, page fields, acquisition, device,
 * geo (from the anonymised IP: the IP itself never leaves this class) and the property's key
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

  /** A request id for a hit the sender gave none: the same payload always gives the same id. */
  public static String requestId(HitDraft d) {
    if (d.requestId != null) {
      return d.requestId;
    }
    String basis = d.protocol.wire() + "|" + d.propertyId + "|" + d.clientId + "|" + d.indexInRequest + "|" + d.payloadForId;
    return UUID.nameUUIDFromBytes(basis.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The page's hostname (from the URL, else the separately sent one), lower-cased. */
  public static String hostname(HitDraft d) {
    String h = Attribution.hostOf(d.pageLocation);
    return h != null ? h : d.hostname == null ? null : d.hostname.toLowerCase(java.util.Locale.ROOT);
  }

  public Hit enrich(HitDraft d, RequestInfo req, PropertyInfo property, String sessionId) {
    String location = stripFragment(d.pageLocation);
    String hostname = hostname(d);
    String path = d.pagePath;
    if (path == null && location != null) {
      try {
        String p = URI.create(location.replace(" ", "%20")).getRawPath();
        path = p == null || p.isEmpty() ? "/" : p;
      } catch (IllegalArgumentException e) {
        path = null;
      }
    }
    Attribution acq = Attribution.of(new Attribution(d.source, d.medium, d.campaign, d.term, d.content),
        d.gclid, location, d.pageReferrer, hostname, property.allowedHostnames());
    DeviceInfo device = userAgents.parse(d.userAgent != null ? d.userAgent : req.userAgent(),
        d.userAgent != null ? null : req.chMobile(), d.userAgent != null ? null : req.chPlatform());
    InetAddress ip = IpAddresses.parse(d.clientIp != null ? d.clientIp : req.clientIp());
    GeoLookup.Geo g = ip == null ? new GeoLookup.Geo(null, null, null) : geo.lookup(IpAddresses.anonymise(ip));
    long ts = d.ts != null ? d.ts : req.nowMs();
    Map<String, String> params = d.params.isEmpty() ? null : Map.copyOf(d.params);
    return Hit.builder()
        .propertyId(d.propertyId)
        .clientId(d.clientId)
        .userId(d.userId)
        .requestId(requestId(d))
        .sessionId(sessionId)
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
        .pageLocation(location)
        .hostname(hostname)
        .pagePath(path)
        .pageTitle(d.pageTitle)
        .pageReferrer(d.pageReferrer)
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
        .screenResolution(d.screenResolution)
        .language(d.language)
        .country(g.country())
        .region(g.region())
        .city(g.city())
        .isBot(device.bot())
        .protocol(d.protocol.wire())
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
