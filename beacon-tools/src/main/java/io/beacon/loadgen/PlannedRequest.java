package io.beacon.loadgen;

import java.util.List;

/**
 * One HTTP request of a journey: its protocol and hits, the tracker session it belongs to, how old its event time
 * is (Measurement Protocol {@code timestamp_micros}), or the earlier request it repeats byte for byte (a duplicate:
 * same request ids, so it must count once).
 */
public final class PlannedRequest {
  /** The wire protocols: Beacon's tracker (GA4 web), GA4 Measurement Protocol, Universal Analytics. */
  public enum Protocol { TRACKER, MP, UA }

  final Protocol protocol;
  final Visitor visitor;
  final String propertyId;
  /** Tracker only: the session id (sid) and number (sct) the page keeps in its storage. */
  final String sessionId;
  final int sessionNumber;
  /** UA only: send as one /batch request instead of a /collect. */
  final boolean batch;
  final List<PlannedHit> hits;
  /** MP only: event time = send time - ageMs; 0 sends no timestamp (event time = receive time). */
  final long ageMs;
  /** Set on a duplicate: the request it repeats. */
  final PlannedRequest original;
  /** The encoded request, fixed at its first send so retries and duplicates repeat it exactly. */
  Wire.Encoded encoded;

  PlannedRequest(Protocol protocol, Visitor visitor, String propertyId, String sessionId, int sessionNumber,
      boolean batch, List<PlannedHit> hits, long ageMs, PlannedRequest original) {
    this.protocol = protocol;
    this.visitor = visitor;
    this.propertyId = propertyId;
    this.sessionId = sessionId;
    this.sessionNumber = sessionNumber;
    this.batch = batch;
    this.hits = List.copyOf(hits);
    this.ageMs = ageMs;
    this.original = original;
  }

  static PlannedRequest duplicateOf(PlannedRequest r) {
    return new PlannedRequest(r.protocol, r.visitor, r.propertyId, r.sessionId, r.sessionNumber, r.batch, r.hits,
        r.ageMs, r);
  }

  public boolean isDuplicate() {
    return original != null;
  }

  public Protocol protocol() {
    return protocol;
  }

  public List<PlannedHit> hits() {
    return hits;
  }
}
