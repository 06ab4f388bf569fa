package io.beacon.model.aggregation;

import io.beacon.model.Hit;
import io.beacon.model.session.Scope;
import io.beacon.model.session.Sessions;
import java.nio.ByteBuffer;

/**
 * The mergeable metric state of one bucket ({@link BucketKey}): exact sums and distinct counts.
 *
 * <h2>Metrics (GA4 names)</h2>
 * <ul>
 *   <li>sums, exact: {@code screenPageViews} ({@code page_view} and {@code screen_view} events),
 *       {@code eventCount} (all events), {@code keyEvents} ({@code key_event}), {@code userEngagementDuration}
 *       (sum of {@code engagement_ms}, kept in ms, exposed in seconds), {@code newUsers} (the client's first
 *       event ever, {@link Scope#newUser()});</li>
 *   <li>distinct counts ({@link DistinctCount}: an exact part up to {@value DistinctCount#EXACT_LIMIT} values next
 *       to an HLL sketch): {@code totalUsers} (distinct {@code client_id}), {@code activeUsers} (distinct
 *       {@code client_id} of the events through which the client is active, {@link Scope#active(Long)}: an engaged
 *       session, engagement time &gt; 0, or the first visit), {@code sessions} (distinct property + client + the
 *       scope's session id), {@code engagedSessions} (those of them that are engaged: a whole-session fact,
 *       {@link Scope#engaged()});</li>
 *   <li>{@code botHits}: hits flagged {@code is_bot}; they count in nothing else.</li>
 * </ul>
 *
 * <h2>Error bound of the distinct counts</h2>
 * Measured by {@code bin/bench-sketches} ({@code docs/bench-results/2026-12-07-exact-front.md}; random UUIDs, single
 * counts and unions of 24 hourly counts, disjoint and overlapping):
 * <ul>
 *   <li><b>Exact up to {@value DistinctCount#EXACT_LIMIT} distinct values</b>, for a count built by updates and for
 *       any union whose result holds at most that many (barring a 63-bit hash collision, ~10<sup>-13</sup>): the
 *       exact part, a Theta sketch, holds them. Measured exact in every trial (1,000 at n = 10 .. 1,000, 500 at
 *       2,000 and 2,048), where the HLL alone was one short in 0.1% at 500 and 1.4% at 2,000 (coupon collisions). A union with a count past the limit, or with a legacy row (below),
 *       gives the HLL estimate.</li>
 *   <li><b>Above, the HLL_4 lgK {@value #LG_K} estimate: within 1% (95%)</b>: measured 95th percentile of the
 *       relative error at most 0.90% per n (n = 10,000 .. 1,000,000, the last from 10 trials; pooled 0.41% for
 *       unions; 0.77% in the run before, other random items); up to 6,144 values the HLL still holds 32-bit
 *       coupons, where only a coupon collision makes a count one short (about 1% of counts at n = 2,000, 6% at
 *       5,000); theory: relative standard error 1.04/&radic;k = {@link #RELATIVE_STANDARD_ERROR} (0.41%).</li>
 *   <li>Stored size of one count: 12 bytes per value (8 in the exact part, 4 per HLL coupon) plus 35, up to
 *       {@value DistinctCount#EXACT_LIMIT} values (155 bytes at n = 10, 12,035 at 1,000, 24,611 at 2,048; the HLL
 *       alone took 52, 4,012 and 8,204); then the HLL image alone plus 3 (4 bytes per value up to 6,144 values,
 *       about 32.8 KB above).</li>
 * </ul>
 * {@link #users()} etc. give the count; the {@code *Bounds} methods give [n, n] while exact, else the sketch's own
 * confidence interval. The stored forms ({@link #usersSketch()} etc., {@link #toBytes()}) are
 * {@link DistinctCount#toBytes()} envelopes; any range or breakdown can be merged later by the query side with
 * {@link #merge}.
 *
 * <h2>Former stored forms</h2>
 * <ul>
 *   <li>Plain HLL images (rows written before the exact part: HLL_4 lgK 16, and the older HLL_8 lgK 14) still read
 *       and merge. They have no exact part, so any union that takes one in gives the HLL estimate (as exact as
 *       before: coupon collisions, and lgK 14 for a former lgK 14 HLL array); recompute the day to get exact small
 *       counts.</li>
 *   <li>A state without an active-users count (a row written before {@code activeUsers} was kept: {@link
 *       #of(long, long, long, long, long, long, byte[], byte[], byte[])}, {@link #fromBytes} version 1) counts its
 *       total users as active: for such a row {@code activeUsers} = {@code totalUsers} (an upper bound, as before),
 *       also in every union that takes it in and in what the stream writes back after merging into it; recompute
 *       the day to get the true count.</li>
 * </ul>
 *
 * <p>Not thread-safe. Mutable on purpose: aggregating millions of hits must not allocate per hit.
 */
public final class MetricState {

  /** log2 of the number of HLL buckets of the distinct counts ({@link DistinctCount#LG_K}). */
  public static final int LG_K = DistinctCount.LG_K;
  /** Relative standard error of a merged distinct count past the exact part (1 standard deviation, 1.04/&radic;k). */
  public static final double RELATIVE_STANDARD_ERROR = DistinctCount.RELATIVE_STANDARD_ERROR;
  /** Distinct counts up to this many values are exact ({@link DistinctCount#EXACT_LIMIT}). */
  public static final int EXACT_UP_TO = DistinctCount.EXACT_LIMIT;

  // Version 2: four distinct counts (active users added), each a DistinctCount envelope (or a legacy HLL image).
  // Version 1 (three plain HLL images, no active users) still reads.
  private static final byte FORMAT_VERSION = 2;
  private static final byte FORMAT_VERSION_1 = 1;

  private long screenPageViews;
  private long eventCount;
  private long keyEvents;
  private long engagementMs;
  private long newUsers;
  private long botHits;
  // Null until first read when the state was rebuilt from stored images (of(...)): a report reads one count of
  // many rows and need not decode the others. Volatile: rebuilt states are shared by concurrent reports.
  private volatile DistinctCount users;
  private volatile DistinctCount activeUsers;
  private volatile DistinctCount sessions;
  private volatile DistinctCount engagedSessions;
  private byte[] usersImage;
  private byte[] activeImage;
  private byte[] sessionsImage;
  private byte[] engagedImage;

  /** An empty state (all zero). */
  public MetricState() {
    this(0, 0, 0, 0, 0, 0, new DistinctCount(), new DistinctCount(), new DistinctCount(), new DistinctCount());
  }

  private MetricState(long screenPageViews, long eventCount, long keyEvents, long engagementMs, long newUsers,
                      long botHits, DistinctCount users, DistinctCount activeUsers, DistinctCount sessions,
                      DistinctCount engagedSessions) {
    this.screenPageViews = screenPageViews;
    this.eventCount = eventCount;
    this.keyEvents = keyEvents;
    this.engagementMs = engagementMs;
    this.newUsers = newUsers;
    this.botHits = botHits;
    this.users = users;
    this.activeUsers = activeUsers;
    this.sessions = sessions;
    this.engagedSessions = engagedSessions;
  }

  /**
   * Rebuilds a state from its stored columns (e.g. a Cassandra row).
   *
   * @param usersSketch etc.: stored forms as returned by {@link #usersSketch()} (or legacy plain HLL images);
   *     null or empty = an empty count
   * @param activeUsersSketch as returned by {@link #activeUsersSketch()}; null = a row written before active users
   *     were kept: its total users count as active (see the class comment); empty = an empty count
   */
  public static MetricState of(long screenPageViews, long eventCount, long keyEvents, long engagementMs,
                               long newUsers, long botHits, byte[] usersSketch, byte[] sessionsSketch,
                               byte[] engagedSessionsSketch, byte[] activeUsersSketch) {
    MetricState m = new MetricState(screenPageViews, eventCount, keyEvents, engagementMs, newUsers, botHits,
        null, null, null, null);
    m.usersImage = usersSketch;
    m.activeImage = activeUsersSketch != null ? activeUsersSketch : usersSketch;
    m.sessionsImage = sessionsSketch;
    m.engagedImage = engagedSessionsSketch;
    return m;
  }

  /**
   * Rebuilds a state from the columns of a row written before active users were kept: {@code activeUsers} falls
   * back to the row's total users ({@link #of(long, long, long, long, long, long, byte[], byte[], byte[], byte[])}
   * with a null active-users sketch).
   */
  public static MetricState of(long screenPageViews, long eventCount, long keyEvents, long engagementMs,
                               long newUsers, long botHits, byte[] usersSketch, byte[] sessionsSketch,
                               byte[] engagedSessionsSketch) {
    return of(screenPageViews, eventCount, keyEvents, engagementMs, newUsers, botHits, usersSketch, sessionsSketch,
        engagedSessionsSketch, null);
  }

  /** Decodes the stored images of a rebuilt state on first read (once, even when reports share the state). */
  private synchronized DistinctCount decoded(int which) {
    switch (which) {
      case USERS -> {
        if (users == null) {
          users = DistinctCount.fromBytes(usersImage);
          usersImage = null;
        }
        return users;
      }
      case ACTIVE_USERS -> {
        if (activeUsers == null) {
          activeUsers = DistinctCount.fromBytes(activeImage);
          activeImage = null;
        }
        return activeUsers;
      }
      case SESSIONS -> {
        if (sessions == null) {
          sessions = DistinctCount.fromBytes(sessionsImage);
          sessionsImage = null;
        }
        return sessions;
      }
      default -> {
        if (engagedSessions == null) {
          engagedSessions = DistinctCount.fromBytes(engagedImage);
          engagedImage = null;
        }
        return engagedSessions;
      }
    }
  }

  /**
   * Counts one event with the session- and user-scoped facts it carries ({@link Scope}, from {@link
   * io.beacon.model.session.Sessions}): sums from the event, {@code newUsers} when it is the client's first
   * event, active users when the client is active through this event ({@link Scope#active(Long)}), sessions by the
   * scope's session id, engaged sessions when the whole session is engaged. Bot hits ({@code is_bot}) only
   * increment {@link #botHits()}; the scope is then ignored (may be null).
   */
  public void add(Hit hit, Scope scope) {
    if (Boolean.TRUE.equals(hit.isBot())) {
      botHits++;
      return;
    }
    eventCount++;
    if ("page_view".equals(hit.eventName()) || "screen_view".equals(hit.eventName())) {
      screenPageViews++;
    }
    if (Boolean.TRUE.equals(hit.keyEvent())) {
      keyEvents++;
    }
    if (hit.engagementMs() != null && hit.engagementMs() > 0) {
      engagementMs += hit.engagementMs();
    }
    if (scope.newUser()) {
      newUsers++;
    }
    u().update(hit.clientId());
    if (scope.active(hit.engagementMs())) {
      a().update(hit.clientId());
    }
    String session = Sessions.key(hit, scope);
    s().update(session);
    if (scope.engaged()) {
      e().update(session);
    }
  }

  /** Counts a bot hit without a hit object (e.g. when rebuilding counts). */
  public void addBotHits(long count) {
    botHits += count;
  }

  /** {@link #merge(MetricState, int)} mask bit of the {@code totalUsers} count. */
  public static final int USERS = 1;
  /** Mask bit of the {@code sessions} count. */
  public static final int SESSIONS = 2;
  /** Mask bit of the {@code engagedSessions} count. */
  public static final int ENGAGED_SESSIONS = 4;
  /** Mask bit of the {@code activeUsers} count. */
  public static final int ACTIVE_USERS = 8;
  /** All four distinct counts. */
  public static final int ALL_SKETCHES = USERS | SESSIONS | ENGAGED_SESSIONS | ACTIVE_USERS;

  /** Adds {@code other} into this state (sums add, distinct counts union); {@code other} is unchanged. */
  public MetricState merge(MetricState other) {
    return merge(other, ALL_SKETCHES);
  }

  /**
   * Adds {@code other}'s sums and only the distinct counts in {@code sketches} (a mask of {@link #USERS} etc.) into
   * this state: a report that shows no session counts need not union session sketches. The counts left out stay
   * as they were, so read only what was merged.
   */
  public MetricState merge(MetricState other, int sketches) {
    screenPageViews += other.screenPageViews;
    eventCount += other.eventCount;
    keyEvents += other.keyEvents;
    engagementMs += other.engagementMs;
    newUsers += other.newUsers;
    botHits += other.botHits;
    if ((sketches & USERS) != 0) {
      u().merge(other.u());
    }
    if ((sketches & ACTIVE_USERS) != 0) {
      a().merge(other.a());
    }
    if ((sketches & SESSIONS) != 0) {
      s().merge(other.s());
    }
    if ((sketches & ENGAGED_SESSIONS) != 0) {
      e().merge(other.e());
    }
    return this;
  }

  private DistinctCount u() {
    DistinctCount d = users;
    return d != null ? d : decoded(USERS);
  }

  private DistinctCount a() {
    DistinctCount d = activeUsers;
    return d != null ? d : decoded(ACTIVE_USERS);
  }

  private DistinctCount s() {
    DistinctCount d = sessions;
    return d != null ? d : decoded(SESSIONS);
  }

  private DistinctCount e() {
    DistinctCount d = engagedSessions;
    return d != null ? d : decoded(ENGAGED_SESSIONS);
  }

  // ---- sums

  public long screenPageViews() {
    return screenPageViews;
  }

  public long eventCount() {
    return eventCount;
  }

  public long keyEvents() {
    return keyEvents;
  }

  /** Sum of {@code engagement_ms}, exact, in milliseconds. */
  public long userEngagementDurationMs() {
    return engagementMs;
  }

  public long newUsers() {
    return newUsers;
  }

  public long botHits() {
    return botHits;
  }

  // ---- distinct counts (exact up to EXACT_UP_TO, else estimates; rounded)

  /** {@code totalUsers}: distinct clients. */
  public long users() {
    return Math.round(u().estimate());
  }

  /**
   * {@code activeUsers}: distinct clients active through some event (an engaged session, engagement time, a first
   * visit); for rows written before it was kept, their total users (see the class comment).
   */
  public long activeUsers() {
    return Math.round(a().estimate());
  }

  public long sessions() {
    return Math.round(s().estimate());
  }

  public long engagedSessions() {
    return Math.round(e().estimate());
  }

  /**
   * {lower, upper} bound of the distinct clients at {@code stdDevs} (1, 2 or 3) standard deviations: {n, n} while
   * the count is exact.
   */
  public double[] usersBounds(int stdDevs) {
    return bounds(u(), stdDevs);
  }

  public double[] activeUsersBounds(int stdDevs) {
    return bounds(a(), stdDevs);
  }

  public double[] sessionsBounds(int stdDevs) {
    return bounds(s(), stdDevs);
  }

  public double[] engagedSessionsBounds(int stdDevs) {
    return bounds(e(), stdDevs);
  }

  private static double[] bounds(DistinctCount d, int stdDevs) {
    return new double[] {d.lowerBound(stdDevs), d.upperBound(stdDevs)};
  }

  /** Whether the {@code totalUsers} count is exact (at most {@link #EXACT_UP_TO} values, no legacy row merged). */
  public boolean usersExact() {
    return u().isExact();
  }

  // ---- stored forms

  /**
   * The stored form of the client count (a Cassandra blob): a {@link DistinctCount#toBytes()} envelope (exact part
   * while exact, and an HLL_4 lgK {@value #LG_K} image, or lgK 14 for a count that holds or merged a former lgK 14
   * HLL array).
   */
  public byte[] usersSketch() {
    return u().toBytes();
  }

  /** The stored form of the active-users count (never null: a null column marks a row written before it). */
  public byte[] activeUsersSketch() {
    return a().toBytes();
  }

  public byte[] sessionsSketch() {
    return s().toBytes();
  }

  public byte[] engagedSessionsSketch() {
    return e().toBytes();
  }

  /** The whole state as one byte array (for shuffles and caches); {@link #fromBytes} reads it back. */
  public byte[] toBytes() {
    byte[] u = usersSketch();
    byte[] s = sessionsSketch();
    byte[] e = engagedSessionsSketch();
    byte[] a = activeUsersSketch();
    ByteBuffer buf = ByteBuffer.allocate(1 + 6 * Long.BYTES + 4 * Integer.BYTES + u.length + s.length + e.length
        + a.length);
    buf.put(FORMAT_VERSION)
        .putLong(screenPageViews).putLong(eventCount).putLong(keyEvents)
        .putLong(engagementMs).putLong(newUsers).putLong(botHits);
    buf.putInt(u.length).put(u).putInt(s.length).put(s).putInt(e.length).put(e).putInt(a.length).put(a);
    return buf.array();
  }

  /**
   * Reads {@link #toBytes()}, and the former version 1 (three plain HLL images, no active users: they fall back to
   * the total users).
   *
   * @throws IllegalArgumentException if {@code bytes} were not written by {@link #toBytes()}
   */
  public static MetricState fromBytes(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    byte version = buf.get();
    if (version != FORMAT_VERSION && version != FORMAT_VERSION_1) {
      throw new IllegalArgumentException("unknown MetricState format version " + version);
    }
    long pv = buf.getLong();
    long ev = buf.getLong();
    long ke = buf.getLong();
    long em = buf.getLong();
    long nu = buf.getLong();
    long bh = buf.getLong();
    byte[] u = next(buf);
    byte[] s = next(buf);
    byte[] e = next(buf);
    byte[] a = version == FORMAT_VERSION_1 ? u : next(buf);
    return new MetricState(pv, ev, ke, em, nu, bh, DistinctCount.fromBytes(u), DistinctCount.fromBytes(a),
        DistinctCount.fromBytes(s), DistinctCount.fromBytes(e));
  }

  private static byte[] next(ByteBuffer buf) {
    byte[] image = new byte[buf.getInt()];
    buf.get(image);
    return image;
  }

  @Override
  public String toString() {
    return "MetricState{pageViews=" + screenPageViews + ", events=" + eventCount + ", keyEvents=" + keyEvents
        + ", engagementMs=" + engagementMs + ", newUsers=" + newUsers + ", bots=" + botHits
        + ", users~" + users() + ", activeUsers~" + activeUsers() + ", sessions~" + sessions() + ", engaged~"
        + engagedSessions() + "}";
  }
}
