package io.beacon.loadgen;

import java.util.Map;

/**
 * One event the generator decided to send: what goes on the wire ({@link #pageLocation}, {@link #params} ...) and,
 * decided with it, what every report dimension should show for it ({@link #source}, {@link #pagePath} ...).
 * Device and geo facts come from the {@link Visitor}.
 *
 * @param sessionKey identifies the session the hit counts in: the tracker's own session id, or for protocols whose
 *     sessions the collector assigns, one per client (a journey is sent within minutes, see {@link TrafficPlan})
 * @param pageReferrer the referrer sent with the hit (null: none)
 * @param source expected session source of the hit, e.g. "google", "(direct)"
 * @param engagementMs engagement time sent with the hit (0: none)
 * @param sessionEngaged the hit says (or should make the collector say) its session is engaged
 * @param firstVisit the hit is the client's first (sent as _fv, or derived by the collector)
 * @param sessionStart the hit starts its session (sent as _ss, or derived by the collector)
 * @param keyEvent its event name is one of the property's key events
 * @param requestId the id retries and duplicates share (tracker _rid, MP request_id, UA cache buster z)
 */
public record PlannedHit(String propertyId, Visitor visitor, String sessionKey, String eventName,
    String pageLocation, String hostName, String pagePath, String pageTitle, String pageReferrer,
    String source, String medium, String campaign, Map<String, String> params, long engagementMs,
    boolean sessionEngaged, boolean firstVisit, boolean sessionStart, boolean keyEvent, String requestId) {

  public boolean bot() {
    return visitor.agent().bot();
  }
}
