package io.beacon.model.session;

/**
 * The session- and user-scoped facts one event is counted with (docs/analytics-model.md, "Semantics"); the
 * event's own fields stay on the {@link io.beacon.model.Hit}.
 *
 * @param sessionId the session the event belongs to: the sender's id, else one Beacon assigned from event time
 *     ({@link Sessions#ASSIGNED_PREFIX} + the session's first event time)
 * @param engaged the whole session is engaged (whatever the order its events arrived in)
 * @param source etc.: the session's attribution, from its earliest event
 * @param landingPage path (no query) of the session's earliest page view; null if it has none
 * @param newUser this event is the client's first event ever (it counts one {@code newUsers})
 * @param firstVisitSession the session holds the client's first visit ({@code newVsReturning} = "new")
 * @param firstUserSource etc.: the attribution of the client's first session
 */
public record Scope(String sessionId, boolean engaged, String source, String medium, String campaign, String term,
    String content, String landingPage, boolean newUser, boolean firstVisitSession, String firstUserSource,
    String firstUserMedium, String firstUserCampaign) {

  /** The user counts as active through this event: an engaged session, engagement time, or a first visit. */
  public boolean active(Long engagementMs) {
    return engaged || newUser || (engagementMs != null && engagementMs > 0);
  }
}
