package io.beacon.loadgen;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

/**
 * One HTTP request of a journey: its protocol and hits, the tracker/gtag session it belongs to, how it states its
 * events' times, or the earlier request it repeats byte for byte (a duplicate: same request ids, or for gtag the
 * same payload, so it must count once).
 */
public final class PlannedRequest {
  /**
   * The wire protocols: Beacon's tracker ({@code beacon.js}: GA4's web format with a request id per hit), gtag.js
   * ({@code /g/collect} as Google's tag sends it: no request id, a page-load id and hit counter instead), GA4
   * Measurement Protocol, Universal Analytics Measurement Protocol.
   */
  public enum Protocol { TRACKER, GTAG, MP, UA }

  /** How a request states its events' times. */
  public enum Timing {
    /** None: event time = receive time (tracker, gtag, MP without timestamp_micros, UA without qt). */
    RECEIVE,
    /** MP: one request-level timestamp_micros, the first hit's planned time, for every event. */
    REQUEST,
    /** MP: each event its own timestamp_micros. */
    EVENT,
    /** MP: the request-level timestamp_micros is the first hit's time; the other events carry their own. */
    MIXED,
    /** UA: each hit's qt (queue time), so event time = receive time - qt = its planned time. */
    QUEUE
  }

  /**
   * What a journey's planned offsets count from, fixed when its first request is encoded: that moment, or the most
   * recent local midnight of the property at least two hours before it (so events can be placed around a midnight
   * that is safely past, within Measurement Protocol's 72 hours).
   */
  static final class Anchor {
    private static final long MARGIN_MS = 2 * 3_600_000L;
    final boolean midnight;
    final ZoneId zone;
    private Long ms;

    Anchor(boolean midnight, ZoneId zone) {
      this.midnight = midnight;
      this.zone = zone;
    }

    synchronized long ms(long nowMs) {
      if (ms == null) {
        ms = midnight ? lastMidnight(nowMs - MARGIN_MS, zone) : nowMs;
      }
      return ms;
    }

    /** The start of the local day (in {@code zone}) of {@code ms}. */
    static long lastMidnight(long ms, ZoneId zone) {
      return LocalDate.ofInstant(Instant.ofEpochMilli(ms), zone).atStartOfDay(zone).toInstant().toEpochMilli();
    }
  }

  final Protocol protocol;
  final Visitor visitor;
  final String propertyId;
  /** Tracker and gtag only: the session id (sid) and number (sct) the page keeps in its storage. */
  final String sessionId;
  final int sessionNumber;
  /** UA only: send as one /batch request instead of a /collect. */
  final boolean batch;
  final List<PlannedHit> hits;
  final Timing timing;
  final Anchor anchor;
  /** gtag only: the page load id ({@code _p}) and the page's hit counter ({@code _s}). */
  final String pageLoadId;
  final int hitSequence;
  /** Set on a duplicate: the request it repeats. */
  final PlannedRequest original;
  /** The encoded request, fixed at its first send so retries and duplicates repeat it exactly. */
  Wire.Encoded encoded;

  PlannedRequest(Protocol protocol, Visitor visitor, String propertyId, String sessionId, int sessionNumber,
      boolean batch, List<PlannedHit> hits, Timing timing, Anchor anchor, String pageLoadId, int hitSequence,
      PlannedRequest original) {
    this.protocol = protocol;
    this.visitor = visitor;
    this.propertyId = propertyId;
    this.sessionId = sessionId;
    this.sessionNumber = sessionNumber;
    this.batch = batch;
    this.hits = List.copyOf(hits);
    this.timing = timing;
    this.anchor = anchor;
    this.pageLoadId = pageLoadId;
    this.hitSequence = hitSequence;
    this.original = original;
  }

  static PlannedRequest duplicateOf(PlannedRequest r) {
    return new PlannedRequest(r.protocol, r.visitor, r.propertyId, r.sessionId, r.sessionNumber, r.batch, r.hits,
        r.timing, r.anchor, r.pageLoadId, r.hitSequence, r);
  }

  PlannedRequest withHits(List<PlannedHit> newHits) {
    return new PlannedRequest(protocol, visitor, propertyId, sessionId, sessionNumber, batch, newHits, timing, anchor,
        pageLoadId, hitSequence, original);
  }

  public boolean isDuplicate() {
    return original != null;
  }

  public Protocol protocol() {
    return protocol;
  }

  public Timing timing() {
    return timing;
  }

  public List<PlannedHit> hits() {
    return hits;
  }
}
