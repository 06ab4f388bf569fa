package io.beacon.model.session;

import io.beacon.model.Hit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sessions of one client of one property and the scope each of its events is counted with
 * (docs/analytics-model.md, "Semantics": Sessions, Engagement, Users, Attribution). A pure function of the
 * events, whatever order they arrived in, and of what was known of the client before them: the stream (on a
 * client's settled events) and recompute (on raw hits) call it alike, which is what makes their numbers agree.
 *
 * <ul>
 *   <li><b>Order</b>: events by event time, ties by request id (a stable order every caller sees).</li>
 *   <li><b>Sessions</b>: the sender's session id wins; events without one form Beacon sessions of their own: a
 *       new one when more than {@link SessionRules#timeoutMs()} passed (event time) since the client's previous
 *       such event, identified as {@link #ASSIGNED_PREFIX} + its first event time.</li>
 *   <li><b>Engaged</b> (whole session): summed engagement time &gt; {@link SessionRules#engagedAfterMs()}, or a
 *       key event, or two page/screen views; for UA events (no engagement time): the span first-to-last event
 *       (non-interaction hits included, as the spec's "last event time - first event time" says) stands in for
 *       engagement time, and any two of its interaction hits (not {@code ni=1}: {@link Hit#nonInteraction()} not
 *       true) count like two page views.</li>
 *   <li><b>Attribution</b> and <b>landing page</b>: those of the session's earliest event (the per-hit
 *       acquisition the collector derived from its URL and referrer), and the path, without query, of its
 *       earliest page view.</li>
 *   <li><b>First visit</b>: the client's earliest event, unless {@link ClientHistory} knows an earlier one.</li>
 * </ul>
 * Bot hits have no session: callers leave them out (they count only as bot hits).
 */
public final class Sessions {
  /** Prefix of the ids Beacon assigns to sessions the sender gave no id for. */
  public static final String ASSIGNED_PREFIX = "auto.";

  /** The order events are considered in: event time, then request id. */
  public static final Comparator<Hit> EVENT_ORDER = Comparator.comparingLong(Hit::ts)
      .thenComparing(Hit::requestId, Comparator.nullsFirst(Comparator.naturalOrder()));

  private Sessions() {
  }

  /** {@link #EVENT_ORDER} of two events given by time and request id. */
  static int compareKey(long ts1, String rid1, long ts2, String rid2) {
    int c = Long.compare(ts1, ts2);
    if (c != 0 || Objects.equals(rid1, rid2)) {
      return c;
    }
    return rid1 == null ? -1 : rid2 == null ? 1 : rid1.compareTo(rid2);
  }

  /** An event with the scope it counts with. */
  public record Scoped(Hit hit, Scope scope) {}

  /**
   * One session's whole-session facts.
   *
   * @param hits its events in {@link #EVENT_ORDER}
   */
  public record Session(String id, List<Hit> hits, boolean engaged, String landingPage) {
    public long firstTs() {
      return hits.get(0).ts();
    }

    public long lastTs() {
      return hits.get(hits.size() - 1).ts();
    }

    /** The event the session is attributed from: its earliest. */
    public Hit first() {
      return hits.get(0);
    }
  }

  /**
   * The sessions of {@code clientHits} (one property and client, no bots, any order), in order of their first
   * event.
   */
  public static List<Session> sessions(List<Hit> clientHits, SessionRules rules) {
    List<Hit> ordered = new ArrayList<>(clientHits);
    ordered.sort(EVENT_ORDER);
    Map<String, List<Hit>> byId = new LinkedHashMap<>();
    String assigned = null;
    long lastAssignedTs = Long.MIN_VALUE;
    for (Hit h : ordered) {
      String id = h.sessionId();
      if (assigned(h)) {
        if (assigned == null || h.ts() - lastAssignedTs > rules.timeoutMs()) {
          assigned = ASSIGNED_PREFIX + h.ts();
        }
        lastAssignedTs = h.ts();
        id = assigned;
      }
      byId.computeIfAbsent(id, k -> new ArrayList<>()).add(h);
    }
    List<Session> sessions = new ArrayList<>(byId.size());
    byId.forEach((id, hits) -> sessions.add(new Session(id, List.copyOf(hits), engaged(hits, rules),
        landingPage(hits))));
    sessions.sort(Comparator.comparing((Session s) -> s.first(), EVENT_ORDER));
    return sessions;
  }

  /**
   * Every event of {@code clientHits} (one property and client, no bots, any order) with its scope, in
   * {@link #EVENT_ORDER}.
   *
   * @param history what was known of the client before these events ({@link ClientHistory#NONE}: nothing)
   */
  public static List<Scoped> scope(List<Hit> clientHits, ClientHistory history, SessionRules rules) {
    return scope(sessions(clientHits, rules), history);
  }

  /** {@link #scope(List, ClientHistory, SessionRules)} of sessions already formed. */
  public static List<Scoped> scope(List<Session> sessions, ClientHistory history) {
    if (sessions.isEmpty()) {
      return List.of();
    }
    Session first = sessions.get(0);
    // The client's first visit is here unless something earlier is known (equal times: the known one, so an
    // event the history was built from never counts twice).
    boolean firstVisitHere = first.firstTs() < history.firstTs();
    String fuSource = firstVisitHere ? first.first().source() : history.firstSource();
    String fuMedium = firstVisitHere ? first.first().medium() : history.firstMedium();
    String fuCampaign = firstVisitHere ? first.first().campaign() : history.firstCampaign();
    List<Scoped> out = new ArrayList<>();
    for (Session s : sessions) {
      Hit a = s.first();
      boolean firstVisitSession = firstVisitHere && s == first;
      for (Hit h : s.hits()) {
        out.add(new Scoped(h, new Scope(s.id(), s.engaged(), a.source(), a.medium(), a.campaign(), a.term(),
            a.content(), s.landingPage(), firstVisitSession && h == a, firstVisitSession, fuSource, fuMedium,
            fuCampaign)));
      }
    }
    out.sort(Comparator.comparing(Scoped::hit, EVENT_ORDER));
    return out;
  }

  /** The session's engagement, decided over all its events (see the class comment). */
  static boolean engaged(List<Hit> ordered, SessionRules rules) {
    Engagement e = new Engagement();
    ordered.forEach(e::add);
    return e.engaged(rules);
  }

  /** Path without query of the earliest page view, or null. */
  static String landingPage(List<Hit> ordered) {
    for (Hit h : ordered) {
      String p = landingPath(h);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  /** The landing page {@code h} gives its session if it is the earliest such event: a page view's path, no query. */
  static String landingPath(Hit h) {
    if (!isView(h) || h.pagePath() == null || h.pagePath().isBlank()) {
      return null;
    }
    String p = h.pagePath();
    int q = p.indexOf('?');
    return q < 0 ? p : q == 0 ? "/" : p.substring(0, q);
  }

  /** Whether Beacon assigns {@code h}'s session (the sender gave no session id). */
  static boolean assigned(Hit h) {
    return h.sessionId() == null || h.sessionId().isBlank();
  }

  /** The wire name of Universal Analytics hits ({@code Hit#protocol()}). */
  static final String UA = "ua";

  /** Whether {@code h} is an interaction: anything but a UA {@code ni=1} hit (null counts as an interaction). */
  static boolean interaction(Hit h) {
    return !Boolean.TRUE.equals(h.nonInteraction());
  }

  static boolean isView(Hit h) {
    return "page_view".equals(h.eventName()) || "screen_view".equals(h.eventName());
  }

  /** The session key counted by the {@code sessions} sketch: property, client and session id. */
  public static String key(Hit hit, Scope scope) {
    return hit.propertyId() + "/" + hit.clientId() + "/" + Objects.requireNonNull(scope.sessionId());
  }
}
