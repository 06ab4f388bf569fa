package io.beacon.loadgen;

import io.beacon.loadgen.PlannedRequest.Protocol;
import java.util.Map;

/**
 * One event the generator decided to send, as it goes on the wire. The {@link GroundTruth} derives every report
 * value from these fields (and the event time the {@link Sender} saw), never from what Beacon makes of them; the
 * device and place come from the {@link Visitor}.
 *
 * @param protocol how it is sent
 * @param sessionId the sender's own session id: tracker/gtag {@code sid}, MP event param {@code session_id}; null
 *     when the sender gives none (UA, MP without session_id): Beacon then assigns sessions by event time
 * @param pageLocation the full page URL sent (utm parameters and gclid included)
 * @param hostName the host of {@code pageLocation}
 * @param pagePath the path of {@code pageLocation}, as sent (percent-encoded, no query)
 * @param pageReferrer the referrer sent with the hit (null: none)
 * @param engagementMs engagement time sent with the hit (tracker/gtag {@code _et}, MP engagement_time_msec; 0: none)
 * @param keyEvent its event name is one of the property's key events
 * @param nonInteraction UA only: sent with {@code ni=1}
 * @param sentFirstVisit tracker/gtag: sent {@code _fv=1} (a hint: Beacon decides first visits itself)
 * @param sentSessionStart tracker/gtag: sent {@code _ss=1} (a hint)
 * @param sentSessionEngaged tracker/gtag: sent {@code seg=1} (a hint)
 * @param requestId the id retries and duplicates share (tracker _rid, MP request_id, UA cache buster z); null for
 *     gtag, which sends none (the collector derives one from the payload)
 * @param offsetMs the planned event time, ms from the journey's anchor; it goes on the wire only where the protocol
 *     states event times (MP timestamp_micros, UA qt); elsewhere the event time is the receive time
 */
public record PlannedHit(String propertyId, Visitor visitor, Protocol protocol, String sessionId, String eventName,
    String pageLocation, String hostName, String pagePath, String pageTitle, String pageReferrer,
    Map<String, String> params, long engagementMs, boolean keyEvent, boolean nonInteraction, boolean sentFirstVisit,
    boolean sentSessionStart, boolean sentSessionEngaged, String requestId, long offsetMs) {

  public boolean bot() {
    return visitor.bot();
  }

  PlannedHit withOffset(long offset) {
    return new PlannedHit(propertyId, visitor, protocol, sessionId, eventName, pageLocation, hostName, pagePath,
        pageTitle, pageReferrer, params, engagementMs, keyEvent, nonInteraction, sentFirstVisit, sentSessionStart,
        sentSessionEngaged, requestId, offset);
  }
}
