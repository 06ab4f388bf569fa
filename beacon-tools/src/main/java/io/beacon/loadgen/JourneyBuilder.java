package io.beacon.loadgen;

import io.beacon.loadgen.PlannedRequest.Anchor;
import io.beacon.loadgen.PlannedRequest.Protocol;
import io.beacon.loadgen.PlannedRequest.Timing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Builds one journey's requests: sessions of pages of events, each event at a planned time (ms from the journey's
 * anchor, {@link #at}), grouped into requests as its protocol sends them: one page's events per request (UA
 * {@code /collect}: one hit per request), and a session's first event always alone in its request, so that no other
 * event can share its event time (events of one request share a receive time) and "the session's earliest event"
 * is never a tie.
 *
 * <p>Tracker and gtag hits carry the flags the page would send ({@code _ss} on a session's first hit, {@code _fv} on
 * a new browser's first, {@code seg} by beacon.js's rule); the ground truth ignores them.
 */
final class JourneyBuilder {
  private final TrafficPlan.Property property;
  private final Site site;
  final Protocol protocol;
  final Visitor visitor;
  private final Random rnd;
  final Timing timing;
  private final Anchor anchor;
  private final boolean batch;
  private final Set<String> keyEvents;

  private final List<Draft> drafts = new ArrayList<>();
  private Draft current;
  private long clock;
  // the session
  private String sessionId;
  private int sessionNumber;
  private boolean sessionStartPending;
  private boolean firstVisitPending;
  private int flagsOnHit = 1;
  private int hitsInSession;
  private int pageViews;
  private boolean engagedFlag;
  private long lastHit;
  // the page
  private String url;
  private String host;
  private String path;
  private String title;
  private String referrer;
  private String pageLoadId;
  private int hitSequence;

  /** One request in the making. */
  private static final class Draft {
    final List<PlannedHit> hits = new ArrayList<>();
    String sessionId;
    int sessionNumber;
    String pageLoadId;
    int hitSequence;
  }

  JourneyBuilder(TrafficPlan.Property property, Site site, Protocol protocol, Visitor visitor, Random rnd,
      Timing timing, boolean midnight, boolean batch, Set<String> keyEvents) {
    this.property = property;
    this.site = site;
    this.protocol = protocol;
    this.visitor = visitor;
    this.rnd = rnd;
    this.timing = timing;
    this.anchor = new Anchor(midnight, property.zone());
    this.batch = batch;
    this.keyEvents = keyEvents;
  }

  Site site() {
    return site;
  }

  /** Whether the planned times count from a local midnight (else from the first send). */
  boolean midnight() {
    return anchor.midnight;
  }

  long clock() {
    return clock;
  }

  /** Moves the planned clock to {@code ms} from the anchor. */
  JourneyBuilder at(long ms) {
    clock = ms;
    return this;
  }

  JourneyBuilder advance(long ms) {
    clock += ms;
    return this;
  }

  /**
   * Starts a session: {@code id} is the sender's session id (tracker/gtag sid; MP session_id, or null to send
   * none; UA: always null), {@code number} its sct. {@code firstVisit}: the page sends {@code _fv} on it.
   */
  JourneyBuilder session(String id, int number, boolean firstVisit) {
    flush();
    sessionId = protocol == Protocol.UA ? null : id;
    sessionNumber = number;
    sessionStartPending = true;
    firstVisitPending = firstVisit;
    flagsOnHit = 1;
    hitsInSession = 0;
    pageViews = 0;
    engagedFlag = false;
    lastHit = clock;
    return this;
  }

  /** The session-start and first-visit flags go on the session's {@code n}th hit instead of its first (gtag). */
  JourneyBuilder flagsOnHit(int n) {
    flagsOnHit = n;
    return this;
  }

  /** Opens page {@code page} of the site on {@code hostName} (URL query {@code query}, "" for none). */
  JourneyBuilder page(String hostName, int page, String query, String referrerUrl) {
    flush();
    host = hostName;
    path = site.path(page);
    title = site.title(page);
    url = "https://" + hostName + path + query;
    referrer = referrerUrl;
    pageLoadId = Long.toString(100_000_000L + (rnd.nextLong() & 0x3fff_ffffL));
    hitSequence = 0;
    return this;
  }

  /** The current page's URL: a later page's referrer (a self-referral). */
  String url() {
    return url;
  }

  /** Engagement time since the session's previous hit (0 for its first; UA sends none). */
  long sinceLastHit() {
    return hitsInSession == 0 || protocol == Protocol.UA ? 0 : clock - lastHit;
  }

  JourneyBuilder view(long engagementMs) {
    return event("page_view", Map.of(), engagementMs, false);
  }

  JourneyBuilder event(String name, long engagementMs) {
    return event(name, Map.of(), engagementMs, false);
  }

  /**
   * One event on the current page at the current clock. UA: {@code params} carry event_category and event_action
   * (the hit's ec and ea), {@code nonInteraction} sends ni=1; engagement time is never sent.
   */
  JourneyBuilder event(String name, Map<String, String> params, long engagementMs, boolean nonInteraction) {
    long et = protocol == Protocol.UA ? 0 : engagementMs;
    hitsInSession++;
    boolean web = protocol == Protocol.TRACKER || protocol == Protocol.GTAG;
    boolean flags = web && hitsInSession == flagsOnHit;
    boolean ss = flags && sessionStartPending;
    boolean fv = flags && firstVisitPending;
    if (flags) {
      sessionStartPending = false;
      firstVisitPending = false;
    }
    if ("page_view".equals(name)) {
      pageViews++;
    }
    // beacon.js: engaged after a second page view or more than 10 s in one hit, sticky for the session.
    engagedFlag = web && (engagedFlag || pageViews > 1 && "page_view".equals(name) || et > 10_000);
    String requestId = switch (protocol) {
      case GTAG -> null;
      case UA -> Long.toUnsignedString(rnd.nextLong());
      default -> new UUID(rnd.nextLong(), rnd.nextLong()).toString();
    };
    PlannedHit hit = new PlannedHit(property.id(), visitor, protocol, sessionId, name, url, host, path, title,
        referrer, Map.copyOf(params), et, keyEvents.contains(name), nonInteraction, fv, ss, engagedFlag, requestId,
        clock);
    if (current == null) {
      current = new Draft();
      current.sessionId = sessionId;
      current.sessionNumber = sessionNumber;
      current.pageLoadId = pageLoadId;
      current.hitSequence = ++hitSequence;
    }
    current.hits.add(hit);
    lastHit = clock;
    if (hitsInSession == 1 || protocol == Protocol.UA && !batch) {
      flush();
    }
    return this;
  }

  /** Ends the current request. */
  JourneyBuilder flush() {
    if (current != null) {
      drafts.add(current);
      current = null;
    }
    return this;
  }

  /**
   * The requests in plan order. {@code shift} is added to every planned time: a journey anchored at its first send
   * shifts its times to end at or before that moment (stated times may not lie in the future).
   */
  List<PlannedRequest> requests(long shift) {
    flush();
    List<PlannedRequest> out = new ArrayList<>();
    for (Draft d : drafts) {
      List<PlannedHit> hits = new ArrayList<>();
      long first = d.hits.get(0).offsetMs();
      for (PlannedHit h : d.hits) {
        // A request-level timestamp dates every event of the request: so do their planned times.
        hits.add(h.withOffset((timing == Timing.REQUEST ? first : h.offsetMs()) + shift));
      }
      out.add(new PlannedRequest(protocol, visitor, property.id(), d.sessionId, d.sessionNumber, batch, hits, timing,
          anchor, d.pageLoadId, d.hitSequence, null));
    }
    return out;
  }

  /** The latest planned time so far (to shift a journey anchored at its first send into the past). */
  long latest() {
    flush();
    return drafts.stream().flatMap(d -> d.hits.stream()).mapToLong(PlannedHit::offsetMs).max().orElse(0);
  }
}
