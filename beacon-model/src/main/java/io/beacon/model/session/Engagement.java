package io.beacon.model.session;

import io.beacon.model.Hit;

/**
 * The running facts a session's engagement is decided from ({@link Sessions}, "Engaged"): summed engagement
 * time, page/screen views, a key event, and for UA hits their count, how many of them are interactions (not
 * {@code ni=1}) and their first/last event time. Mergeable and monotone (adding events can only turn a session
 * engaged, never back), so a settled session's summary in {@link ClientState} takes late events without its
 * events.
 */
final class Engagement {
  long engagementMs;
  int views;
  boolean keyEvent;
  /** UA hits, non-interaction ones included: their first and last event time span the session's duration. */
  int uaHits;
  /** UA hits that are interactions ({@link Sessions#interaction}): two engage the session like two page views. */
  int uaInteractions;
  long uaFirst = Long.MAX_VALUE;
  long uaLast = Long.MIN_VALUE;

  void add(Hit h) {
    if (Boolean.TRUE.equals(h.keyEvent())) {
      keyEvent = true;
    }
    if (h.engagementMs() != null && h.engagementMs() > 0) {
      engagementMs += h.engagementMs();
    }
    if (Sessions.isView(h)) {
      views++;
    }
    if (Sessions.UA.equals(h.protocol())) {
      uaHits++;
      if (Sessions.interaction(h)) {
        uaInteractions++;
      }
      uaFirst = Math.min(uaFirst, h.ts());
      uaLast = Math.max(uaLast, h.ts());
    }
  }

  void merge(Engagement o) {
    engagementMs += o.engagementMs;
    views += o.views;
    keyEvent |= o.keyEvent;
    uaHits += o.uaHits;
    uaInteractions += o.uaInteractions;
    uaFirst = Math.min(uaFirst, o.uaFirst);
    uaLast = Math.max(uaLast, o.uaLast);
  }

  /**
   * Engaged: a key event, or engagement time (UA: at least the first-to-last span of its hits, non-interaction ones
   * included) over the limit, or two views, or two UA interaction hits.
   */
  boolean engaged(SessionRules rules) {
    if (keyEvent) {
      return true;
    }
    long ms = uaHits > 0 ? Math.max(engagementMs, uaLast - uaFirst) : engagementMs;
    return ms > rules.engagedAfterMs() || views >= 2 || uaInteractions >= 2;
  }
}
