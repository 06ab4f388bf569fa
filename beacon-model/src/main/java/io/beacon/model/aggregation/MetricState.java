package io.beacon.model.aggregation;

import io.beacon.model.Hit;
import io.beacon.model.session.Scope;
import io.beacon.model.session.Sessions;
import java.nio.ByteBuffer;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.memory.Memory;

/**
 * The mergeable metric state of one bucket ({@link BucketKey}): exact sums and distinct-count sketches.
 *
 * <h2>Metrics (GA4 names)</h2>
 * <ul>
 *   <li>sums, exact: {@code screenPageViews} ({@code page_view} and {@code screen_view} events),
 *       {@code eventCount} (all events), {@code keyEvents} ({@code key_event}), {@code userEngagementDuration}
 *       (sum of {@code engagement_ms}, kept in ms, exposed in seconds), {@code newUsers} (the client's first
 *       event ever, {@link Scope#newUser()});</li>
 *   <li>distinct counts, as Apache DataSketches HLL sketches: {@code totalUsers} (distinct {@code client_id}),
 *       {@code sessions} (distinct property + client + the scope's session id), {@code engagedSessions}
 *       (those of them that are engaged: a whole-session fact, {@link Scope#engaged()});</li>
 *   <li>{@code botHits}: hits flagged {@code is_bot}; they count in nothing else.</li>
 * </ul>
 *
 * <h2>Error bound of the distinct counts</h2>
 * HLL with {@code lgK = }{@value #LG_K} (k = 65536 buckets), stored as {@code HLL_4} (the smallest image; HLL_6/8
 * estimate the same), chosen by measurement ({@code bin/bench-sketches},
 * {@code docs/bench-results/2026-12-07-sketches.md}: random UUIDs, single sketches and unions of 24 hourly
 * sketches, disjoint and overlapping):
 * <ul>
 *   <li><b>Exact, barring 32-bit hash collisions, while the sketch holds coupons: up to 6,144 distinct
 *       values</b>, so 1,000 and beyond. A coupon is 32 bits of the value's hash; each pair of values sharing one
 *       makes the count one short, with probability about n&sup2;/2 &middot; 2<sup>-26</sup>/3 for a count of n
 *       (0.0025% at n = 100, 0.06% at 500, 0.25% at 1,000, 1% at 2,000, 6% at 5,000). Measured exact-match rate
 *       (single sketches and both unions alike): 100% of 1,000 trials at n = 10, 100 and 1,000, 99.9% at 500 (one
 *       collision), 98.6% of 500 at 2,000, 93.7% of 300 at 5,000; every miss was one short.</li>
 *   <li><b>Within 1% (95%) above</b>: measured 95th percentile of the relative error at most 0.77% (per n of
 *       10,000 .. 1,000,000, the last from 10 trials; pooled over n &ge; 10,000: 0.38% single, 0.42% union of
 *       overlapping hours), largest error in any trial 0.96%;
 *       theory: relative standard error 1.04/&radic;k = {@link #RELATIVE_STANDARD_ERROR} (0.41%) for a union,
 *       0.836/&radic;k for a sketch built by updates.</li>
 *   <li>Stored size of one sketch: 4 bytes per value plus 12 up to 6,144 values (52 bytes at n = 10, 4,012 at
 *       1,000, as before), then about 32.8 KB whatever the count (16.4 KB for the former HLL_8 lgK 14).</li>
 * </ul>
 * Rows written before this choice hold {@code HLL_8} lgK 14 images: they still read and merge. Those with at most
 * 1,536 values hold coupons, which merge into lgK 16 without loss. Larger ones are lgK 14 HLL arrays, and any
 * union that takes one in degrades to lgK 14 (relative standard error 0.81%, about 1.6% at 95%); the stream's
 * read-merge-write keeps such a row at lgK 14: recompute the day to rewrite it at lgK 16. {@link #users()} etc.
 * give the estimate; the {@code *Bounds} methods give the sketch's own confidence interval.
 * Serialized sketches are DataSketches' compact HLL format: any range or breakdown can be merged later by the
 * query side with {@link #merge}.
 *
 * <p>Not thread-safe. Mutable on purpose: aggregating millions of hits must not allocate per hit.
 */
public final class MetricState {

  /**
   * log2 of the number of HLL buckets of new sketches and of every union (a union takes the smallest lgK it
   * merges: see the former lgK 14 rows above).
   */
  public static final int LG_K = 16;
  /** Relative standard error of a merged distinct count (1 standard deviation, 1.04/&radic;k). */
  public static final double RELATIVE_STANDARD_ERROR = 1.04 / Math.sqrt(1 << LG_K);

  private static final TgtHllType TYPE = TgtHllType.HLL_4;
  // The images inside are self-describing (family, lgK, type), so version 1 holds the former HLL_8 lgK 14 images
  // and the HLL_4 lgK 16 ones alike.
  private static final byte FORMAT_VERSION = 1;

  private long screenPageViews;
  private long eventCount;
  private long keyEvents;
  private long engagementMs;
  private long newUsers;
  private long botHits;
  // Null until first read when the state was rebuilt from stored images (of(...)): a report reads one sketch
  // of many rows and need not decode the others. Volatile: rebuilt states are shared by concurrent reports.
  private volatile HllSketch users;
  private volatile HllSketch sessions;
  private volatile HllSketch engagedSessions;
  private byte[] usersImage;
  private byte[] sessionsImage;
  private byte[] engagedImage;
  // While merging many states (a report's groups, a micro-batch's partitions), one Union per sketch gathers
  // them: a new Union per merge allocated a full sketch each time. Settled into the sketch on first read.
  private Union usersUnion;
  private Union sessionsUnion;
  private Union engagedUnion;

  /** An empty state (all zero). */
  public MetricState() {
    this(0, 0, 0, 0, 0, 0, new HllSketch(LG_K, TYPE), new HllSketch(LG_K, TYPE), new HllSketch(LG_K, TYPE));
  }

  private MetricState(long screenPageViews, long eventCount, long keyEvents, long engagementMs, long newUsers,
                      long botHits, HllSketch users, HllSketch sessions, HllSketch engagedSessions) {
    this.screenPageViews = screenPageViews;
    this.eventCount = eventCount;
    this.keyEvents = keyEvents;
    this.engagementMs = engagementMs;
    this.newUsers = newUsers;
    this.botHits = botHits;
    this.users = users;
    this.sessions = sessions;
    this.engagedSessions = engagedSessions;
  }

  /**
   * Rebuilds a state from its stored columns (e.g. a Cassandra row).
   *
   * @param usersSketch etc.: compact HLL images as returned by {@link #usersSketch()}; null or empty = empty
   */
  public static MetricState of(long screenPageViews, long eventCount, long keyEvents, long engagementMs,
                               long newUsers, long botHits, byte[] usersSketch, byte[] sessionsSketch,
                               byte[] engagedSessionsSketch) {
    MetricState m = new MetricState(screenPageViews, eventCount, keyEvents, engagementMs, newUsers, botHits,
        null, null, null);
    m.usersImage = usersSketch;
    m.sessionsImage = sessionsSketch;
    m.engagedImage = engagedSessionsSketch;
    return m;
  }

  /** Decodes the stored images of a rebuilt state on first read (once, even when reports share the state). */
  private synchronized HllSketch decoded(int which) {
    switch (which) {
      case USERS -> {
        if (users == null) {
          users = sketch(usersImage);
          usersImage = null;
        }
        return users;
      }
      case SESSIONS -> {
        if (sessions == null) {
          sessions = sketch(sessionsImage);
          sessionsImage = null;
        }
        return sessions;
      }
      default -> {
        if (engagedSessions == null) {
          engagedSessions = sketch(engagedImage);
          engagedImage = null;
        }
        return engagedSessions;
      }
    }
  }

  /**
   * Counts one event with the session- and user-scoped facts it carries ({@link Scope}, from {@link
   * io.beacon.model.session.Sessions}): sums from the event, {@code newUsers} when it is the client's first
   * event, sessions by the scope's session id, engaged sessions when the whole session is engaged. Bot hits
   * ({@code is_bot}) only increment {@link #botHits()}; the scope is then ignored (may be null).
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

  /** {@link #merge(MetricState, int)} mask bit of the {@code totalUsers}/{@code activeUsers} sketch. */
  public static final int USERS = 1;
  /** Mask bit of the {@code sessions} sketch. */
  public static final int SESSIONS = 2;
  /** Mask bit of the {@code engagedSessions} sketch. */
  public static final int ENGAGED_SESSIONS = 4;
  /** All three sketches. */
  public static final int ALL_SKETCHES = USERS | SESSIONS | ENGAGED_SESSIONS;

  /** Adds {@code other} into this state (sums add, sketches union); {@code other} is unchanged. */
  public MetricState merge(MetricState other) {
    return merge(other, ALL_SKETCHES);
  }

  /**
   * Adds {@code other}'s sums and only the sketches in {@code sketches} (a mask of {@link #USERS} etc.) into
   * this state: a report that shows no session counts need not union session sketches. The sketches left out
   * stay as they were, so read only what was merged.
   */
  public MetricState merge(MetricState other, int sketches) {
    screenPageViews += other.screenPageViews;
    eventCount += other.eventCount;
    keyEvents += other.keyEvents;
    engagementMs += other.engagementMs;
    newUsers += other.newUsers;
    botHits += other.botHits;
    // This state's own sketch only seeds a new union (u() etc. return it as it is while no union is open).
    if ((sketches & USERS) != 0) {
      usersUnion = accumulate(usersUnion, usersUnion == null ? u() : null, other.u());
    }
    if ((sketches & SESSIONS) != 0) {
      sessionsUnion = accumulate(sessionsUnion, sessionsUnion == null ? s() : null, other.s());
    }
    if ((sketches & ENGAGED_SESSIONS) != 0) {
      engagedUnion = accumulate(engagedUnion, engagedUnion == null ? e() : null, other.e());
    }
    return this;
  }

  private static Union accumulate(Union union, HllSketch self, HllSketch other) {
    if (other.isEmpty()) {
      return union;
    }
    if (union == null) {
      union = new Union(LG_K);
      if (!self.isEmpty()) {
        union.update(self);
      }
    }
    union.update(other);
    return union;
  }

  private HllSketch u() {
    if (usersUnion != null) {
      users = usersUnion.getResult(TYPE);
      usersUnion = null;
    }
    HllSketch h = users;
    return h != null ? h : decoded(USERS);
  }

  private HllSketch s() {
    if (sessionsUnion != null) {
      sessions = sessionsUnion.getResult(TYPE);
      sessionsUnion = null;
    }
    HllSketch h = sessions;
    return h != null ? h : decoded(SESSIONS);
  }

  private HllSketch e() {
    if (engagedUnion != null) {
      engagedSessions = engagedUnion.getResult(TYPE);
      engagedUnion = null;
    }
    HllSketch h = engagedSessions;
    return h != null ? h : decoded(ENGAGED_SESSIONS);
  }


  /** Any DataSketches HLL image (the former HLL_8 lgK 14 ones too); anything else is refused. */
  private static HllSketch sketch(byte[] image) {
    if (image == null || image.length == 0) {
      return new HllSketch(LG_K, TYPE);
    }
    try {
      return HllSketch.heapify(Memory.wrap(image));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a DataSketches HLL image (" + image.length + " bytes): " + e.getMessage()
          + "; recompute the day", e);
    }
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

  // ---- distinct counts (estimates, rounded)

  /** {@code totalUsers} (= {@code activeUsers}): distinct clients. */
  public long users() {
    return Math.round(u().getEstimate());
  }

  public long sessions() {
    return Math.round(s().getEstimate());
  }

  public long engagedSessions() {
    return Math.round(e().getEstimate());
  }

  /** {lower, upper} bound of the distinct clients at {@code stdDevs} (1, 2 or 3) standard deviations. */
  public double[] usersBounds(int stdDevs) {
    return new double[] {u().getLowerBound(stdDevs), u().getUpperBound(stdDevs)};
  }

  public double[] sessionsBounds(int stdDevs) {
    return new double[] {s().getLowerBound(stdDevs), s().getUpperBound(stdDevs)};
  }

  public double[] engagedSessionsBounds(int stdDevs) {
    return new double[] {e().getLowerBound(stdDevs), e().getUpperBound(stdDevs)};
  }

  // ---- stored forms

  /**
   * Compact HLL image of the client sketch (a Cassandra blob): HLL_4 lgK {@value #LG_K}, or lgK 14 for a row that
   * holds or merged a former lgK 14 HLL array (see the error bound).
   */
  public byte[] usersSketch() {
    return u().toCompactByteArray();
  }

  public byte[] sessionsSketch() {
    return s().toCompactByteArray();
  }

  public byte[] engagedSessionsSketch() {
    return e().toCompactByteArray();
  }

  /** The whole state as one byte array (for shuffles and caches); {@link #fromBytes} reads it back. */
  public byte[] toBytes() {
    byte[] u = usersSketch();
    byte[] s = sessionsSketch();
    byte[] e = engagedSessionsSketch();
    ByteBuffer buf = ByteBuffer.allocate(1 + 6 * Long.BYTES + 3 * Integer.BYTES + u.length + s.length + e.length);
    buf.put(FORMAT_VERSION)
        .putLong(screenPageViews).putLong(eventCount).putLong(keyEvents)
        .putLong(engagementMs).putLong(newUsers).putLong(botHits);
    buf.putInt(u.length).put(u).putInt(s.length).put(s).putInt(e.length).put(e);
    return buf.array();
  }

  /** @throws IllegalArgumentException if {@code bytes} were not written by {@link #toBytes()} */
  public static MetricState fromBytes(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    byte version = buf.get();
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException("unknown MetricState format version " + version);
    }
    long pv = buf.getLong();
    long ev = buf.getLong();
    long ke = buf.getLong();
    long em = buf.getLong();
    long nu = buf.getLong();
    long bh = buf.getLong();
    return new MetricState(pv, ev, ke, em, nu, bh, sketch(next(buf)), sketch(next(buf)), sketch(next(buf)));
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
        + ", users~" + users() + ", sessions~" + sessions() + ", engaged~" + engagedSessions() + "}";
  }
}
