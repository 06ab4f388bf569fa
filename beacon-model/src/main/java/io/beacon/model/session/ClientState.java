package io.beacon.model.session;

import io.beacon.model.Hit;
import io.beacon.model.aggregation.Lateness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What the streaming job keeps per (property, client) so that streamed reports count each event with the
 * same {@link Scope} recompute gives it from raw hits ({@link Sessions#scope}), the "settle" design: events wait
 * in <em>open</em> sessions until their session is <em>settled</em> (no new event of that session for
 * {@code settleMs} of processing time), and are then counted with whole-session facts. Pure and mutable; one
 * instance per key in Spark's state store ({@link #toBytes()} / {@link #fromBytes(byte[])} between batches).
 *
 * <h2>What it holds</h2>
 * <ul>
 *   <li><b>First visit</b>: the client's earliest event ever seen, by {@link Sessions#EVENT_ORDER} (time, then
 *       request id), over <em>every</em> event that reached the state, open ones included: a session that
 *       settles while an earlier one is still open must already count as "returning". Kept as long as the state
 *       (the client memory); seeded by {@link #ClientState(ClientHistory)} for a client known from before.</li>
 *   <li><b>Open events</b>: the buffered hits (all fields), in arrival order, each with its arrival (processing)
 *       time and whether it counts (too-late hits, {@link Lateness}, never do). Open sessions are formed from
 *       them as {@link Sessions#sessions} forms them: by sender id, else by event-time inactivity.</li>
 *   <li><b>Settled summaries</b>: per settled session, what its scope and its days are decided from, without
 *       its events: id, earliest event (time, request id, attribution), earliest landing page (time, request id,
 *       path), the {@link Engagement} facts, last event time, last arrival, and the quarter hours (UTC,
 *       {@link #SLOT_MS}) it has events in. Local days in every zone whose offset is a whole number of quarter
 *       hours (all zones today) begin on a quarter hour, so one time per quarter hour names every local day of
 *       the session whatever the property's zone, and stays right if the zone setting changes. A summary is
 *       kept until {@code retentionMs} after {@code max(its last arrival, its last event time + session
 *       timeout)} (default 73 h: the 72 h lateness window + 1 h).</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>Every event that may be counted is counted exactly once: when its session settles, or at once when it
 *       arrives for a settled session (and never if it is too late).</li>
 *   <li>Counted scope = truth: an event is counted with the scope {@link Sessions#scope} gives it over every
 *       event the state has seen; whenever a later event changes the scope of events already counted (an
 *       earlier first event: attribution, landing page, a Beacon session's id; engagement flips; the first
 *       visit moves or its attribution changes; Beacon sessions merge), the state emits a {@link Dirty} for
 *       every quarter hour of every session so changed (the late event's own included when its session is one
 *       of them), for recompute to rebuild those days. The late event itself is counted with the new scope. Adding events never splits a session, so merging is the only structural change.</li>
 *   <li>No open event has the sender session id of a settled summary, and no open Beacon-session event is
 *       within the session timeout (event time) of a settled Beacon session: such events join the summary when
 *       they arrive.</li>
 *   <li>{@link #settle} emits only {@link Count}s; {@link Dirty} comes only from {@link #add}.</li>
 *   <li>Deterministic: outputs depend only on the state, the hits (not their order within one call: a call sorts
 *       them by {@link Sessions#EVENT_ORDER}) and the times passed in, so a replayed micro-batch with the same
 *       batch time decides the same.</li>
 * </ol>
 *
 * <h2>Limits</h2>
 * A late event whose session's summary has expired cannot be told apart from a new session: a Beacon-session
 * event, or a sender-session event, no later than the latest expired summary (plus the timeout for Beacon
 * sessions) dirties its own day; a sender session whose events arrive more than the retention apart counts its
 * later part as a session of its own (attribution and engagement of that part). A first visit that moves
 * earlier than one no longer retained dirties only the old first event's day. Session rules are those passed
 * in; summaries decided under other rules are not revisited.
 */
public final class ClientState {

  /**
   * Binary form version ({@link #toBytes()}). 2: hits carry {@code non_interaction}, summaries their UA
   * interaction count; 3: hits carry {@code device_model} and {@code device_brand}; 4: hits carry the session settings they were
   * collected under; 5: hits carry their stream id. {@link #fromBytes} still reads 1 (non_interaction null, every UA
   * hit an interaction), 2 (model and brand null), 3 (GA4's default settings) and 4 (no stream id).
   */
  static final int FORMAT_VERSION = 5;
  /** The quarter hour: the unit event times are kept in to name days ({@link Dirty}). */
  public static final long SLOT_MS = Duration.ofMinutes(15).toMillis();
  /** Production settle time: 30 minutes without a new event of the session. */
  public static final long DEFAULT_SETTLE_MS = Duration.ofMinutes(30).toMillis();
  /** How long a settled session's summary is kept: the 72 h lateness window + 1 h. */
  public static final long DEFAULT_RETENTION_MS = Lateness.MAX_LATENESS.plusHours(1).toMillis();
  /** How long a client with nothing open or retained is remembered (its first visit) before it is forgotten. */
  public static final long DEFAULT_MEMORY_MS = Duration.ofDays(400).toMillis();

  /** What a call produces. */
  public sealed interface Output permits Count, Dirty {}

  /** Count {@code hit} with {@code scope} (the aggregation's input: the hit's own fields, the scope's). */
  public record Count(Hit hit, Scope scope) implements Output {}

  /**
   * The local day (in the property's zone) holding {@code eventTs} must be rebuilt by recompute: the stream
   * counted some of its events with a scope that is no longer right. {@code eventTs} is the start of a UTC
   * quarter hour; a call emits each at most once, several may name the same local day (the caller maps and
   * de-duplicates).
   */
  public record Dirty(String propertyId, long eventTs) implements Output {}

  // The key, from the first hit (null until then).
  private String propertyId;
  private String clientId;
  // The first visit: the earliest event seen (or known from before: firstIsHit false).
  private long firstTs = Long.MAX_VALUE;
  private String firstRid;
  private boolean firstIsHit;
  private String firstSource;
  private String firstMedium;
  private String firstCampaign;
  private long lastArrivalMs = Long.MIN_VALUE;
  // The latest last-event time of an expired summary (Long.MIN_VALUE: none expired).
  private long expiredUntilTs = Long.MIN_VALUE;
  private final List<Pending> open = new ArrayList<>();
  private final List<Summary> settled = new ArrayList<>();

  /** A client nothing is known of. */
  public ClientState() {
    this(ClientHistory.NONE);
  }

  /** A client whose first visit is known from before ({@link ClientHistory#NONE}: nothing known). */
  public ClientState(ClientHistory history) {
    if (history.known()) {
      firstTs = history.firstTs();
      firstRid = history.firstRid(); // firstIsHit stays false until that event arrives (isRecordedFirst)
      firstSource = history.firstSource();
      firstMedium = history.firstMedium();
      firstCampaign = history.firstCampaign();
    }
  }

  /**
   * A micro-batch's events of this client (no bots, duplicates already removed, any order) at processing time
   * {@code nowMs}; hits later than {@link Lateness#MAX_LATENESS} are too late (see {@link #add(List, long,
   * SessionRules, long)}).
   */
  public List<Output> add(List<Hit> hits, long nowMs, SessionRules rules) {
    return add(hits, nowMs, rules, Lateness.MAX_LATENESS.toMillis());
  }

  /**
   * A micro-batch's events of this client. Each event joins its open session (buffered), or, if its session is
   * settled, is counted at once with that session's scope, dirtying the days of every session whose counted
   * scope it changes. A too-late hit ({@link Lateness#isTooLate} with {@code maxLatenessMs}) is never counted
   * (its day is dirtied: recompute owns it) but still shapes its session and the first visit.
   */
  public List<Output> add(List<Hit> hits, long nowMs, SessionRules rules, long maxLatenessMs) {
    List<Hit> ordered = new ArrayList<>(hits);
    ordered.sort(Sessions.EVENT_ORDER);
    Emitter out = new Emitter();
    Duration maxLateness = Duration.ofMillis(maxLatenessMs);
    for (Hit h : ordered) {
      bind(h);
      lastArrivalMs = Math.max(lastArrivalMs, nowMs);
      boolean countable = !Lateness.isTooLate(h, maxLateness);
      if (!countable) {
        out.dirty(h.ts());
      }
      addOne(h, nowMs, countable, rules, out);
    }
    return out.outputs(propertyId);
  }

  /**
   * On the processing-time timeout (and after each {@link #add}): settles every open session whose last event
   * arrived at least {@code settleMs} before {@code nowMs}: counts its events with their scope ({@link
   * Sessions#scope}) and keeps its summary. Only {@link Count}s.
   */
  public List<Output> settle(long nowMs, long settleMs, SessionRules rules) {
    if (open.isEmpty()) {
      return List.of();
    }
    List<Pending> ready = new ArrayList<>();
    for (List<Pending> group : openGroups(rules)) {
      if (lastArrival(group) <= nowMs - settleMs) {
        ready.addAll(group);
      }
    }
    if (ready.isEmpty()) {
      return List.of();
    }
    Map<Hit, Pending> byHit = new IdentityHashMap<>();
    List<Hit> hits = new ArrayList<>(ready.size());
    boolean firstHere = false;
    for (Pending p : ready) {
      byHit.put(p.hit, p);
      hits.add(p.hit);
      firstHere |= isFirst(p.hit);
    }
    List<Sessions.Session> sessions = Sessions.sessions(hits, rules);
    // The first visit is this client's earliest event: here, or known (open, settled or from before).
    ClientHistory history = firstHere ? ClientHistory.NONE
        : new ClientHistory(firstTs, firstSource, firstMedium, firstCampaign, firstRid);
    List<Output> out = new ArrayList<>(hits.size());
    for (Sessions.Scoped s : Sessions.scope(sessions, history)) {
      if (byHit.get(s.hit()).countable) {
        out.add(new Count(s.hit(), s.scope()));
      }
    }
    for (Sessions.Session s : sessions) {
      settled.add(Summary.of(s, byHit, rules));
    }
    open.removeAll(ready);
    return out;
  }

  /**
   * Drops the summaries kept long enough: {@code retentionMs} after {@code max(last arrival, last event time +
   * session timeout)}. The first visit stays.
   */
  public void expire(long nowMs, long retentionMs) {
    settled.removeIf(s -> {
      if (s.holdFromMs + retentionMs <= nowMs) {
        expiredUntilTs = Math.max(expiredUntilTs, s.lastTs);
        return true;
      }
      return false;
    });
  }

  /** {@link #expire(long, long)} with {@link #DEFAULT_RETENTION_MS}. */
  public void expire(long nowMs) {
    expire(nowMs, DEFAULT_RETENTION_MS);
  }

  /** Nothing open and nothing retained: only the first visit is left. */
  public boolean onlyHistory() {
    return open.isEmpty() && settled.isEmpty();
  }

  /** Whether the state can be removed: {@link #onlyHistory()} and no event for {@code memoryMs}. */
  public boolean forgettable(long nowMs, long memoryMs) {
    return onlyHistory() && nowMs >= lastArrivalMs + memoryMs;
  }

  /**
   * The rules to decide this client's sessions by in a call that brings no new events (a settle on timeout): those
   * of its latest-received open event (the property's settings when the collector took it), else {@code fallback}.
   */
  public SessionRules openRules(SessionRules fallback) {
    Pending latest = null;
    for (Pending p : open) {
      if (latest == null || p.hit.receivedAt() >= latest.hit.receivedAt()) {
        latest = p;
      }
    }
    return latest == null ? fallback : latest.hit.sessionRules();
  }

  /**
   * The rules to decide a batch of {@code hits} by: those of the latest-received one (a settings change applies
   * from the hits collected after it; recompute rebuilds the days before), else {@link #openRules}.
   */
  public SessionRules rulesFor(List<Hit> hits, SessionRules fallback) {
    Hit latest = null;
    for (Hit h : hits) {
      if (latest == null || h.receivedAt() >= latest.receivedAt()) {
        latest = h;
      }
    }
    return latest == null ? openRules(fallback) : latest.sessionRules();
  }

  /**
   * When the next timeout is due (processing time, epoch ms): the earliest an open session settles, or a
   * summary expires; with neither, when the client is forgotten ({@link #forgettable}).
   */
  public long nextTimeoutMs(long settleMs, long retentionMs, long memoryMs, SessionRules rules) {
    long next = Long.MAX_VALUE;
    for (List<Pending> group : openGroups(rules)) {
      next = Math.min(next, lastArrival(group) + settleMs);
    }
    for (Summary s : settled) {
      next = Math.min(next, s.holdFromMs + retentionMs);
    }
    return next != Long.MAX_VALUE ? next : lastArrivalMs + memoryMs;
  }

  /** What is known of the client's first visit (from before, or seen here). */
  public ClientHistory history() {
    return firstTs == Long.MAX_VALUE ? ClientHistory.NONE
        : new ClientHistory(firstTs, firstSource, firstMedium, firstCampaign, firstRid);
  }

  /** Open (buffered) events. */
  public int openEvents() {
    return open.size();
  }

  /** Settled sessions still retained. */
  public int settledSessions() {
    return settled.size();
  }

  /** The latest arrival (processing time) of an event of this client; {@link Long#MIN_VALUE} if none. */
  public long lastArrivalMs() {
    return lastArrivalMs;
  }

  // ---------------------------------------------------------------------------------------------------------
  // add

  private void bind(Hit h) {
    if (Boolean.TRUE.equals(h.isBot())) {
      throw new IllegalArgumentException("bot hits have no session: " + h.requestId());
    }
    if (propertyId == null && clientId == null) {
      propertyId = h.propertyId();
      clientId = h.clientId();
    } else if (!Objects.equals(propertyId, h.propertyId()) || !Objects.equals(clientId, h.clientId())) {
      throw new IllegalArgumentException("hit of " + h.propertyId() + "/" + h.clientId() + " given to the state of "
          + propertyId + "/" + clientId);
    }
  }

  private void addOne(Hit h, long nowMs, boolean countable, SessionRules rules, Emitter out) {
    // The scope facts of every summary this event may change, as they were counted.
    Map<Summary, Snapshot> before = new IdentityHashMap<>();
    if (isRecordedFirst(h)) {
      // The first visit recorded from before is this very event (recompute read it from raw hits before the
      // stream got to it): the client is new in its session, not returning.
      for (Summary s : settled) {
        before.put(s, snapshot(s, rules));
      }
      firstIsHit = true;
    } else if (precedesFirst(h)) {
      // The first visit moves: newUser / firstVisitSession / firstUser* of counted events may change.
      for (Summary s : settled) {
        before.put(s, snapshot(s, rules));
      }
      if (firstTs != Long.MAX_VALUE && !firstRetainedOrOpen()) {
        out.dirty(firstTs); // the old first event was counted in a session no longer retained
      }
      firstTs = h.ts();
      firstRid = h.requestId();
      firstIsHit = true;
      firstSource = h.source();
      firstMedium = h.medium();
      firstCampaign = h.campaign();
    }
    Summary target = null;
    List<Pending> absorbed = List.of();
    if (!Sessions.assigned(h)) {
      for (Summary s : settled) {
        if (!s.assigned && s.id.equals(h.sessionId())) {
          target = s;
          break;
        }
      }
      if (target == null) {
        if (h.ts() <= expiredUntilTs) {
          out.dirty(h.ts()); // may belong to a session no longer retained
        }
        open.add(new Pending(h, nowMs, countable));
      } else {
        before.computeIfAbsent(target, s -> snapshot(s, rules));
        target.absorb(h, nowMs, rules);
      }
    } else {
      long timeout = rules.timeoutMs();
      List<Summary> near = new ArrayList<>();
      for (Summary s : settled) {
        if (s.assigned && h.ts() >= s.firstTs - timeout && h.ts() <= s.lastTs + timeout) {
          near.add(s);
        }
      }
      if (near.isEmpty()) {
        if (expiredUntilTs != Long.MIN_VALUE && h.ts() <= expiredUntilTs + timeout) {
          out.dirty(h.ts()); // may belong to a session no longer retained
        }
        open.add(new Pending(h, nowMs, countable));
      } else {
        // The Beacon session this event joins: the summaries it is near, and every open Beacon event (and, to
        // be safe, summary) chained to them within the timeout.
        long lo = h.ts();
        long hi = h.ts();
        for (Summary s : near) {
          lo = Math.min(lo, s.firstTs);
          hi = Math.max(hi, s.lastTs);
        }
        List<Pending> chained = new ArrayList<>();
        boolean grew = true;
        while (grew) {
          grew = false;
          for (Pending p : open) {
            long ts = p.hit.ts();
            if (Sessions.assigned(p.hit) && !chained.contains(p) && ts >= lo - timeout && ts <= hi + timeout) {
              chained.add(p);
              lo = Math.min(lo, ts);
              hi = Math.max(hi, ts);
              grew = true;
            }
          }
          for (Summary s : settled) {
            if (s.assigned && !near.contains(s) && s.firstTs - timeout <= hi && s.lastTs + timeout >= lo) {
              near.add(s);
              lo = Math.min(lo, s.firstTs);
              hi = Math.max(hi, s.lastTs);
              grew = true;
            }
          }
        }
        for (Summary s : near) {
          before.computeIfAbsent(s, x -> snapshot(x, rules));
        }
        near.sort((a, b) -> Sessions.compareKey(a.firstTs, a.firstRid, b.firstTs, b.firstRid));
        target = near.get(0);
        for (Summary other : near.subList(1, near.size())) {
          target.merge(other, rules);
          settled.remove(other);
        }
        target.absorb(h, nowMs, rules);
        for (Pending p : chained) {
          target.absorb(p.hit, p.arrivedMs, rules);
        }
        open.removeAll(chained);
        absorbed = chained;
      }
    }
    if (target != null) {
      if (countable) {
        out.count(h, scopeOf(target, h, rules));
      }
      for (Pending p : absorbed) {
        if (p.countable) {
          out.count(p.hit, scopeOf(target, p.hit, rules));
        }
      }
    }
    for (Map.Entry<Summary, Snapshot> e : before.entrySet()) {
      Summary s = e.getKey();
      Snapshot was = e.getValue();
      if (!settled.contains(s)) {
        out.dirtySlots(was.slots); // merged into another: its events' session id changed
      } else if (!was.signature.equals(signature(s, rules))) {
        out.dirtySlots(was.slots);
        out.dirtySlots(s.slots);
      }
    }
  }

  /** Whether {@code h} is earlier than the first visit (a first visit known from before wins ties on time). */
  private boolean precedesFirst(Hit h) {
    if (firstTs == Long.MAX_VALUE) {
      return true;
    }
    return firstIsHit ? Sessions.compareKey(h.ts(), h.requestId(), firstTs, firstRid) < 0 : h.ts() < firstTs;
  }

  /** Whether {@code h} is the event of a first visit known from before (same time and request id). */
  private boolean isRecordedFirst(Hit h) {
    return !firstIsHit && firstRid != null && h.ts() == firstTs && firstRid.equals(h.requestId());
  }

  private boolean isFirst(Hit h) {
    return firstIsHit && h.ts() == firstTs && Objects.equals(h.requestId(), firstRid);
  }

  private boolean holdsFirst(Summary s) {
    return firstIsHit && s.firstTs == firstTs && Objects.equals(s.firstRid, firstRid);
  }

  /** Whether the first visit is an event the state still has (open, or the first of a retained summary). */
  private boolean firstRetainedOrOpen() {
    if (!firstIsHit) {
      return false;
    }
    for (Summary s : settled) {
      if (holdsFirst(s)) {
        return true;
      }
    }
    for (Pending p : open) {
      if (isFirst(p.hit)) {
        return true;
      }
    }
    return false;
  }

  /** The scope {@code h} (an event of {@code s}, or null for a non-first event) is counted with. */
  private Scope scopeOf(Summary s, Hit h, SessionRules rules) {
    boolean firstVisitSession = holdsFirst(s);
    return new Scope(s.id, s.engagement.engaged(rules), s.source, s.medium, s.campaign, s.term, s.content,
        s.landingPage, h != null && isFirst(h), firstVisitSession, firstSource, firstMedium, firstCampaign);
  }

  /**
   * Everything the scopes of {@code s}'s counted events depend on: the scope of a non-first event, and for the
   * first-visit session which event is the first (the one counted as the new user).
   */
  private record Signature(Scope scope, long firstTs, String firstRid) {}

  private Signature signature(Summary s, SessionRules rules) {
    boolean fvs = holdsFirst(s);
    return new Signature(scopeOf(s, null, rules), fvs ? s.firstTs : 0, fvs ? s.firstRid : null);
  }

  private record Snapshot(Signature signature, List<Long> slots) {}

  private Snapshot snapshot(Summary s, SessionRules rules) {
    return new Snapshot(signature(s, rules), List.copyOf(s.slots));
  }

  // ---------------------------------------------------------------------------------------------------------
  // open sessions

  /** The open events grouped into their sessions as {@link Sessions#sessions} would group them. */
  private List<List<Pending>> openGroups(SessionRules rules) {
    Map<String, List<Pending>> bySender = new LinkedHashMap<>();
    List<Pending> pool = new ArrayList<>();
    for (Pending p : open) {
      if (Sessions.assigned(p.hit)) {
        pool.add(p);
      } else {
        bySender.computeIfAbsent(p.hit.sessionId(), k -> new ArrayList<>()).add(p);
      }
    }
    List<List<Pending>> groups = new ArrayList<>(bySender.values());
    if (!pool.isEmpty()) {
      pool.sort((a, b) -> Sessions.EVENT_ORDER.compare(a.hit, b.hit));
      List<Pending> current = null;
      long last = Long.MIN_VALUE;
      for (Pending p : pool) {
        if (current == null || p.hit.ts() - last > rules.timeoutMs()) {
          current = new ArrayList<>();
          groups.add(current);
        }
        current.add(p);
        last = p.hit.ts();
      }
    }
    return groups;
  }

  private static long lastArrival(List<Pending> group) {
    long last = Long.MIN_VALUE;
    for (Pending p : group) {
      last = Math.max(last, p.arrivedMs);
    }
    return last;
  }

  /** A buffered event. */
  static final class Pending {
    final Hit hit;
    final long arrivedMs;
    final boolean countable;

    Pending(Hit hit, long arrivedMs, boolean countable) {
      this.hit = hit;
      this.arrivedMs = arrivedMs;
      this.countable = countable;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // settled sessions

  /** A settled session's scope facts and days, without its events. */
  static final class Summary {
    String id;
    boolean assigned;
    long firstTs;
    String firstRid;
    String source;
    String medium;
    String campaign;
    String term;
    String content;
    long landingTs;
    String landingRid;
    String landingPage;
    Engagement engagement = new Engagement();
    long lastTs;
    long lastArrivalMs;
    long holdFromMs = Long.MIN_VALUE;
    final TreeSet<Long> slots = new TreeSet<>();

    static Summary of(Sessions.Session session, Map<Hit, Pending> byHit, SessionRules rules) {
      Summary s = new Summary();
      Hit first = session.first();
      s.id = session.id();
      s.assigned = Sessions.assigned(first);
      s.setFirst(first);
      s.lastTs = Long.MIN_VALUE;
      s.lastArrivalMs = Long.MIN_VALUE;
      for (Hit h : session.hits()) {
        s.take(h, byHit.get(h).arrivedMs);
      }
      s.hold(rules);
      return s;
    }

    private void setFirst(Hit h) {
      firstTs = h.ts();
      firstRid = h.requestId();
      source = h.source();
      medium = h.medium();
      campaign = h.campaign();
      term = h.term();
      content = h.content();
      if (assigned) {
        id = Sessions.ASSIGNED_PREFIX + firstTs;
      }
    }

    /** Adds an event's facts (not its attribution: see {@link #absorb}). */
    private void take(Hit h, long arrivedMs) {
      engagement.add(h);
      String landing = Sessions.landingPath(h);
      if (landing != null && (landingPage == null
          || Sessions.compareKey(h.ts(), h.requestId(), landingTs, landingRid) < 0)) {
        landingTs = h.ts();
        landingRid = h.requestId();
        landingPage = landing;
      }
      lastTs = Math.max(lastTs, h.ts());
      lastArrivalMs = Math.max(lastArrivalMs, arrivedMs);
      slots.add(Math.floorDiv(h.ts(), SLOT_MS));
    }

    /** A late event of this session. */
    void absorb(Hit h, long arrivedMs, SessionRules rules) {
      if (Sessions.compareKey(h.ts(), h.requestId(), firstTs, firstRid) < 0) {
        setFirst(h);
      }
      take(h, arrivedMs);
      hold(rules);
    }

    /** Another settled Beacon session that a late event joined to this one (this one starts first). */
    void merge(Summary o, SessionRules rules) {
      engagement.merge(o.engagement);
      if (o.landingPage != null && (landingPage == null
          || Sessions.compareKey(o.landingTs, o.landingRid, landingTs, landingRid) < 0)) {
        landingTs = o.landingTs;
        landingRid = o.landingRid;
        landingPage = o.landingPage;
      }
      lastTs = Math.max(lastTs, o.lastTs);
      lastArrivalMs = Math.max(lastArrivalMs, o.lastArrivalMs);
      slots.addAll(o.slots);
      hold(rules);
    }

    private void hold(SessionRules rules) {
      holdFromMs = Math.max(holdFromMs, Math.max(lastArrivalMs, lastTs + rules.timeoutMs()));
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // outputs

  /** Counts in order, dirty quarter hours de-duplicated (emitted after the counts, in time order). */
  private static final class Emitter {
    final List<Output> counts = new ArrayList<>();
    final TreeSet<Long> slots = new TreeSet<>();

    void count(Hit h, Scope scope) {
      counts.add(new Count(h, scope));
    }

    void dirty(long ts) {
      slots.add(Math.floorDiv(ts, SLOT_MS));
    }

    void dirtySlots(java.util.Collection<Long> more) {
      slots.addAll(more);
    }

    List<Output> outputs(String propertyId) {
      List<Output> out = new ArrayList<>(counts.size() + slots.size());
      out.addAll(counts);
      for (long slot : slots) {
        out.add(new Dirty(propertyId, slot * SLOT_MS));
      }
      return out;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // binary form

  /**
   * The state as bytes: version {@value #FORMAT_VERSION}, a string table, then the fields (varints; times as
   * differences). Hits keep every field but the property and client ids, which are written once.
   */
  public byte[] toBytes() {
    StateBytes.Out o = new StateBytes.Out();
    o.s(propertyId);
    o.s(clientId);
    int flags = (firstTs != Long.MAX_VALUE ? 1 : 0) | (firstIsHit ? 2 : 0)
        | (lastArrivalMs != Long.MIN_VALUE ? 4 : 0) | (expiredUntilTs != Long.MIN_VALUE ? 8 : 0);
    o.b(flags);
    long base = 0;
    if (firstTs != Long.MAX_VALUE) {
      o.z(firstTs);
      base = firstTs;
      o.s(firstRid);
      o.s(firstSource);
      o.s(firstMedium);
      o.s(firstCampaign);
    }
    if (lastArrivalMs != Long.MIN_VALUE) {
      o.z(lastArrivalMs - base);
    }
    if (expiredUntilTs != Long.MIN_VALUE) {
      o.z(expiredUntilTs - base);
    }
    o.u(open.size());
    long prevTs = base;
    for (Pending p : open) {
      prevTs = o.hit(p.hit, prevTs);
      o.z(p.arrivedMs - p.hit.receivedAt());
      o.b(p.countable ? 1 : 0);
    }
    o.u(settled.size());
    for (Summary s : settled) {
      o.s(s.assigned ? null : s.id);
      o.b((s.assigned ? 1 : 0) | (s.landingPage != null ? 2 : 0) | (s.engagement.keyEvent ? 4 : 0));
      o.z(s.firstTs - prevTs);
      prevTs = s.firstTs;
      o.s(s.firstRid);
      o.s(s.source);
      o.s(s.medium);
      o.s(s.campaign);
      o.s(s.term);
      o.s(s.content);
      if (s.landingPage != null) {
        o.z(s.landingTs - s.firstTs);
        o.s(s.landingRid);
        o.s(s.landingPage);
      }
      o.u(s.engagement.engagementMs);
      o.u(s.engagement.views);
      o.u(s.engagement.uaHits);
      o.u(s.engagement.uaInteractions);
      if (s.engagement.uaHits > 0) {
        o.z(s.engagement.uaFirst - s.firstTs);
        o.z(s.engagement.uaLast - s.firstTs);
      }
      o.z(s.lastTs - s.firstTs);
      o.z(s.lastArrivalMs - s.lastTs);
      o.z(s.holdFromMs - s.lastArrivalMs);
      o.u(s.slots.size());
      long prevSlot = Math.floorDiv(s.firstTs, SLOT_MS);
      for (long slot : s.slots) {
        o.z(slot - prevSlot);
        prevSlot = slot;
      }
    }
    return o.finish(FORMAT_VERSION);
  }

  /** The state {@link #toBytes()} wrote. */
  public static ClientState fromBytes(byte[] bytes) {
    StateBytes.In in = new StateBytes.In(bytes);
    if (in.version < 1 || in.version > FORMAT_VERSION) {
      throw new IllegalArgumentException("client state format " + in.version + ", this code reads 1 to "
          + FORMAT_VERSION);
    }
    ClientState c = new ClientState();
    c.propertyId = in.s();
    c.clientId = in.s();
    int flags = in.b();
    long base = 0;
    if ((flags & 1) != 0) {
      c.firstTs = in.z();
      base = c.firstTs;
      c.firstRid = in.s();
      c.firstSource = in.s();
      c.firstMedium = in.s();
      c.firstCampaign = in.s();
    }
    c.firstIsHit = (flags & 2) != 0;
    if ((flags & 4) != 0) {
      c.lastArrivalMs = base + in.z();
    }
    if ((flags & 8) != 0) {
      c.expiredUntilTs = base + in.z();
    }
    int openCount = (int) in.u();
    long prevTs = base;
    for (int i = 0; i < openCount; i++) {
      Hit h = in.hit(c.propertyId, c.clientId, prevTs);
      prevTs = h.ts();
      long arrived = h.receivedAt() + in.z();
      c.open.add(new Pending(h, arrived, in.b() == 1));
    }
    int settledCount = (int) in.u();
    for (int i = 0; i < settledCount; i++) {
      Summary s = new Summary();
      String id = in.s();
      int f = in.b();
      s.assigned = (f & 1) != 0;
      s.firstTs = prevTs + in.z();
      prevTs = s.firstTs;
      s.id = s.assigned ? Sessions.ASSIGNED_PREFIX + s.firstTs : id;
      s.firstRid = in.s();
      s.source = in.s();
      s.medium = in.s();
      s.campaign = in.s();
      s.term = in.s();
      s.content = in.s();
      if ((f & 2) != 0) {
        s.landingTs = s.firstTs + in.z();
        s.landingRid = in.s();
        s.landingPage = in.s();
      }
      s.engagement.keyEvent = (f & 4) != 0;
      s.engagement.engagementMs = in.u();
      s.engagement.views = (int) in.u();
      s.engagement.uaHits = (int) in.u();
      // Format 1 knew no non-interaction hits: every UA hit was counted as an interaction.
      s.engagement.uaInteractions = in.version == 1 ? s.engagement.uaHits : (int) in.u();
      if (s.engagement.uaHits > 0) {
        s.engagement.uaFirst = s.firstTs + in.z();
        s.engagement.uaLast = s.firstTs + in.z();
      }
      s.lastTs = s.firstTs + in.z();
      s.lastArrivalMs = s.lastTs + in.z();
      s.holdFromMs = s.lastArrivalMs + in.z();
      int slots = (int) in.u();
      long prevSlot = Math.floorDiv(s.firstTs, SLOT_MS);
      for (int k = 0; k < slots; k++) {
        prevSlot += in.z();
        s.slots.add(prevSlot);
      }
      c.settled.add(s);
    }
    if (!in.atEnd()) {
      throw new IllegalArgumentException("client state has trailing bytes");
    }
    return c;
  }
}
