package io.beacon.model.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.beacon.model.Hit;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The distinct counts' error bound as MetricState's Javadoc states it (measured by {@code bin/bench-sketches}):
 * exact up to 2,048 values (the exact part; no coupon collision), within 1% above, for one state and for the union
 * of hourly states, through both stored forms; active users; the former stored forms (plain HLL_4 lgK 16 and
 * HLL_8 lgK 14 images, rows without active users, shuffle bytes of version 1) still read and merge.
 */
class MetricStateSketchTest {

  private static final String PROPERTY = "P-1";

  /** n distinct client ids (UUID strings), the same for a seed. */
  private static List<String> clients(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(new UUID(r.nextLong(), r.nextLong()).toString());
    }
    return ids;
  }

  /** One page view of {@code client}'s session "s"; engaged for every other client. */
  private static Hit hit(String client, int i) {
    return Hit.builder().propertyId(PROPERTY).clientId(client).sessionId("s").eventName("page_view")
        .sessionEngaged(i % 2 == 0).ts(1_700_000_000_000L).build();
  }

  /** The one session "s" of every client, engaged for every other hit's client (as the sketches see it). */
  private static io.beacon.model.session.Scope scope(int i) {
    return new io.beacon.model.session.Scope("s", i % 2 == 0, null, null, null, null, null, null, false, false, null,
        null, null);
  }

  private static MetricState single(List<String> clients) {
    MetricState m = new MetricState();
    for (int i = 0; i < clients.size(); i++) {
      m.add(hit(clients.get(i), i), scope(i));
    }
    return m;
  }

  /**
   * 24 hourly states, each client in its home hour and in 0..3 more random hours (a returning visitor), merged
   * as a report merges rows: every other hour through the Cassandra columns, the rest through the shuffle bytes.
   */
  private static MetricState unionOfOverlappingHours(List<String> clients, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<MetricState> hours = new ArrayList<>();
    for (int h = 0; h < 24; h++) {
      hours.add(new MetricState());
    }
    for (int i = 0; i < clients.size(); i++) {
      int times = 1 + r.nextInt(4);
      for (int t = 0; t < times; t++) {
        hours.get(r.nextInt(24)).add(hit(clients.get(i), i), scope(i));
      }
    }
    MetricState merged = new MetricState();
    for (int h = 0; h < hours.size(); h++) {
      MetricState hour = hours.get(h);
      merged.merge(h % 2 == 0 ? columns(hour) : MetricState.fromBytes(hour.toBytes()));
    }
    return merged;
  }

  /** The state as a Cassandra row holds it, rebuilt. */
  private static MetricState columns(MetricState m) {
    return MetricState.of(m.screenPageViews(), m.eventCount(), m.keyEvents(), m.userEngagementDurationMs(),
        m.newUsers(), m.botHits(), m.usersSketch(), m.sessionsSketch(), m.engagedSessionsSketch(),
        m.activeUsersSketch());
  }

  private static void assertExact(MetricState m, int n) {
    assertThat(m.users()).as("users").isEqualTo(n);
    assertThat(m.sessions()).as("sessions").isEqualTo(n);
    assertThat(m.engagedSessions()).as("engaged sessions").isEqualTo((n + 1) / 2);
    // Every other client's session is engaged: those are the active ones.
    assertThat(m.activeUsers()).as("active users").isEqualTo((n + 1) / 2);
    assertThat(m.usersBounds(2)).as("users bounds").containsExactly(n, n);
    assertThat(m.usersExact()).isTrue();
  }

  // 2,048: the exact part's limit. These counts used to be exact only barring 32-bit coupon collisions (0.25% of
  // counts one short at 1,000, 1% at 2,000); the exact part has none (63-bit hashes).
  @ParameterizedTest
  @ValueSource(ints = {1, 10, 1_000, 2_048})
  void exactAsOneState(int n) {
    MetricState m = single(clients(n, n));
    assertExact(m, n);
    assertExact(MetricState.fromBytes(m.toBytes()), n);
    assertExact(columns(m), n);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 10, 1_000, 2_048})
  void exactAsTheUnionOfOverlappingHourlyStates(int n) {
    MetricState merged = unionOfOverlappingHours(clients(n, n), 7);
    assertExact(merged, n);
    assertExact(MetricState.fromBytes(merged.toBytes()), n);
    assertExact(columns(merged), n);
  }

  @Test
  void exactAtTheLimitForManySeedsWhereTheHllAloneMissesSome() {
    // 200 counts of 2,048: the HLL alone is one short in about 1% of them (coupon collisions); the state never.
    int hllMisses = 0;
    for (int seed = 0; seed < 200; seed++) {
      MetricState m = new MetricState();
      List<String> ids = clients(2_048, 1_000 + seed);
      for (int i = 0; i < ids.size(); i++) {
        m.add(hit(ids.get(i), i), scope(i));
      }
      assertThat(m.users()).isEqualTo(2_048);
      if (Math.round(DistinctCount.fromBytes(m.usersSketch()).hllEstimate()) != 2_048) {
        hllMisses++;
      }
    }
    assertThat(hllMisses).as("coupon collisions of the HLL part alone").isLessThan(20);
  }

  @Test
  void pastTheLimitTheCountIsTheHllEstimate() {
    MetricState m = single(clients(2_049, 9));
    assertThat(m.usersExact()).isFalse();
    assertThat(m.users()).isEqualTo(Math.round(DistinctCount.fromBytes(m.usersSketch()).hllEstimate()));
    assertThat((double) m.users()).isCloseTo(2_049, within(3.0));
    double[] bounds = m.usersBounds(2);
    assertThat(bounds[0]).isLessThan(bounds[1]);
    // The union of two exact states of 1,500 and 600 new: past the limit too.
    List<String> ids = clients(2_100, 10);
    MetricState u = single(ids.subList(0, 1_500)).merge(columns(single(ids.subList(1_500, 2_100))));
    assertThat(u.usersExact()).isFalse();
    assertThat((double) u.users()).isCloseTo(2_100, within(3.0));
  }

  @Test
  void exactAsTheUnionOfDisjointDaysOfAMonth() {
    List<String> all = clients(1_000, 3);
    MetricState month = new MetricState();
    for (int day = 0; day < 30; day++) {
      int from = day * all.size() / 30;
      MetricState d = new MetricState();
      for (int i = from; i < (day + 1) * all.size() / 30; i++) {
        d.add(hit(all.get(i), i), scope(i));
      }
      month.merge(columns(d));
    }
    assertExact(month, 1_000);
  }

  @Test
  void withinOnePercentAboveTheExactRange() {
    List<String> many = clients(50_000, 11);
    MetricState one = single(many);
    MetricState union = unionOfOverlappingHours(many, 13);
    for (MetricState m : List.of(one, union, columns(union))) {
      assertThat((double) m.users()).isCloseTo(50_000, within(500.0));
      assertThat((double) m.sessions()).isCloseTo(50_000, within(500.0));
      assertThat((double) m.engagedSessions()).isCloseTo(25_000, within(250.0));
      assertThat((double) m.activeUsers()).isCloseTo(25_000, within(250.0));
      assertThat(m.usersExact()).isFalse();
    }
    double[] bounds = union.usersBounds(2);
    assertThat(bounds[0]).isLessThan(union.users()).isGreaterThan(50_000 * (1 - 3 * MetricState.RELATIVE_STANDARD_ERROR));
    assertThat(bounds[1]).isGreaterThan(union.users()).isLessThan(50_000 * (1 + 3 * MetricState.RELATIVE_STANDARD_ERROR));
  }

  @Test
  void storedFormsRoundTripAsEnvelopesHoldingAnHll4LgK16Image() {
    for (int n : new int[] {0, 10, 1_000, 20_000}) {
      MetricState m = single(clients(n, 5));
      m.addBotHits(3);
      for (MetricState copy : List.of(MetricState.fromBytes(m.toBytes()), columns(m))) {
        assertThat(copy.users()).isEqualTo(m.users());
        assertThat(copy.activeUsers()).isEqualTo(m.activeUsers());
        assertThat(copy.sessions()).isEqualTo(m.sessions());
        assertThat(copy.engagedSessions()).isEqualTo(m.engagedSessions());
        assertThat(copy.usersExact()).isEqualTo(n <= 2_048);
        assertThat(copy.eventCount()).isEqualTo(n);
        assertThat(copy.screenPageViews()).isEqualTo(n);
        assertThat(copy.botHits()).isEqualTo(3);
      }
      assertThat(DistinctCount.isEnvelope(m.usersSketch())).isTrue();
      DistinctCount image = DistinctCount.fromBytes(m.usersSketch());
      assertThat(image.hllLgK()).isEqualTo(MetricState.LG_K).isEqualTo(16);
      assertThat(HllSketch.heapify(image.hllImage()).getTgtHllType()).isEqualTo(TgtHllType.HLL_4);
    }
    // Empty and missing columns are empty counts (a missing active-users column: see the legacy rows below).
    MetricState none = MetricState.of(1, 1, 0, 0, 0, 0, null, new byte[0], null, new byte[0]);
    assertThat(none.users()).isZero();
    assertThat(none.sessions()).isZero();
    assertThat(none.activeUsers()).isZero();
    assertThat(none.usersExact()).isTrue();
    assertThat(none.merge(single(clients(10, 1))).users()).isEqualTo(10);
    assertThat(none.usersExact()).isTrue();
  }

  @Test
  void storedSizesAreWhatTheBenchmarkMeasured() {
    // Envelope (3) + exact part (4 + 16 + 8 a value) + HLL coupons (12 + 4 a value), up to 2,048 values.
    assertThat(single(clients(10, 1)).usersSketch()).hasSize(3 + 4 + 16 + 80 + 12 + 40);
    assertThat(single(clients(1_000, 1)).usersSketch()).hasSize(3 + 4 + 16 + 8_000 + 4_012);
    assertThat(single(clients(2_048, 1)).usersSketch()).hasSize(3 + 4 + 16 + 16_384 + 12 + 8_192);
    // Past the limit, the HLL image alone (+ 3): coupons up to 6,144, then the HLL_4 array (32 KiB + preamble + the
    // few exceptions).
    assertThat(single(clients(2_049, 1)).usersSketch()).hasSize(3 + 12 + 4 * 2_049);
    assertThat(single(clients(100_000, 1)).usersSketch().length).isBetween(3 + 32_808, 3 + 33_200);
  }

  // ---- active users

  private static Hit event(String client, String session, Long engagementMs) {
    return Hit.builder().propertyId(PROPERTY).clientId(client).sessionId(session).eventName("scroll")
        .engagementMs(engagementMs).ts(1_700_000_000_000L).build();
  }

  private static io.beacon.model.session.Scope scoped(String session, boolean engaged, boolean newUser) {
    return new io.beacon.model.session.Scope(session, engaged, null, null, null, null, null, null, newUser, newUser,
        null, null, null);
  }

  @Test
  void activeUsersAreClientsWithAnEngagedSessionEngagementTimeOrAFirstVisit() {
    MetricState m = new MetricState();
    m.add(event("engaged", "s1", null), scoped("s1", true, false));
    m.add(event("engagement-time", "s2", 1_200L), scoped("s2", false, false));
    m.add(event("first-visit", "s3", null), scoped("s3", false, true));
    m.add(event("idle", "s4", null), scoped("s4", false, false));
    m.add(event("idle", "s4", 0L), scoped("s4", false, false));
    m.add(event("later-active", "s5", null), scoped("s5", false, false));
    m.add(event("later-active", "s5", 50L), scoped("s5", false, false));
    m.add(Hit.builder().propertyId(PROPERTY).clientId("bot").isBot(true).eventName("page_view")
        .ts(1_700_000_000_000L).build(), null);
    assertThat(m.users()).isEqualTo(5);
    assertThat(m.activeUsers()).isEqualTo(4);
    assertThat(m.activeUsersBounds(2)).containsExactly(4, 4);
    for (MetricState copy : List.of(MetricState.fromBytes(m.toBytes()), columns(m))) {
      assertThat(copy.activeUsers()).isEqualTo(4);
      assertThat(copy.users()).isEqualTo(5);
    }
    // Merged by its own mask bit; left out, it stays as it was.
    MetricState onlyActive = new MetricState().merge(m, MetricState.ACTIVE_USERS);
    assertThat(onlyActive.activeUsers()).isEqualTo(4);
    assertThat(onlyActive.users()).isZero();
    MetricState noActive = new MetricState().merge(m, MetricState.USERS);
    assertThat(noActive.activeUsers()).isZero();
    assertThat(MetricState.ALL_SKETCHES).isEqualTo(15);
  }

  // ---- the former stored forms

  /** A row as the former code wrote it: plain HLL_4 lgK 16 images, no active-users column. */
  private static MetricState legacyRow(List<String> clients) {
    return MetricState.of(clients.size(), clients.size(), 0, 0, 0, 0, hll(16, TgtHllType.HLL_4, clients),
        hll(16, TgtHllType.HLL_4, sessionKeys(clients)), null);
  }

  private static byte[] hll(int lgK, TgtHllType type, List<String> items) {
    HllSketch s = new HllSketch(lgK, type);
    items.forEach(s::update);
    return s.toCompactByteArray();
  }

  private static byte[] formerImage(List<String> items) {
    return hll(14, TgtHllType.HLL_8, items);
  }

  private static List<String> sessionKeys(List<String> clients) {
    return clients.stream().map(c -> PROPERTY + "/" + c + "/s").toList();
  }

  @Test
  void aFormerHll4LgK16RowReadsAndMergesAsItsHllEstimate() {
    List<String> old = clients(1_000, 41);
    MetricState stored = legacyRow(old);
    assertThat(stored.users()).isEqualTo(Math.round(HllSketch.heapify(hll(16, TgtHllType.HLL_4, old)).getEstimate()))
        .isEqualTo(1_000);
    assertThat(stored.usersExact()).isFalse();
    assertThat(stored.usersBounds(2)[0]).isLessThan(stored.usersBounds(2)[1]);
    // No active-users column: its total users count as active.
    assertThat(stored.activeUsers()).isEqualTo(1_000);
    // A union with it gives the HLL estimate (its coupons merge without loss), and what the stream writes back
    // (read-merge-write) is an envelope without an exact part: recompute the day for exact small counts.
    MetricState merged = stored.merge(single(clients(500, 42)));
    assertThat(merged.usersExact()).isFalse();
    assertThat((double) merged.users()).isCloseTo(1_500, within(2.0));
    assertThat(merged.activeUsers()).isEqualTo(merged.users() - 250); // the new 500: every other one active
    MetricState rewritten = columns(merged);
    assertThat(DistinctCount.isEnvelope(rewritten.usersSketch())).isTrue();
    assertThat(rewritten.usersExact()).isFalse();
    assertThat(rewritten.users()).isEqualTo(merged.users());
    // An empty legacy image is exactly empty: merging into it stays exact.
    MetricState empty = MetricState.of(0, 0, 0, 0, 0, 0, hll(16, TgtHllType.HLL_4, List.of()), null, null);
    assertThat(empty.usersExact()).isTrue();
    assertThat(empty.merge(single(clients(2_000, 43))).users()).isEqualTo(2_000);
    assertThat(empty.usersExact()).isTrue();
  }

  @Test
  void aFormerHll8LgK14RowStillReadsAndItsCouponsMergeWithoutLoss() {
    List<String> old = clients(1_000, 21); // below lgK 14's 1,536 coupons
    MetricState stored = MetricState.of(1_000, 1_000, 0, 0, 0, 0, formerImage(old), formerImage(sessionKeys(old)),
        null);
    assertThat(stored.users()).isEqualTo(1_000);
    assertThat(stored.activeUsers()).isEqualTo(1_000);
    assertThat(stored.sessions()).isEqualTo(1_000);
    assertThat(stored.engagedSessions()).isZero();
    // The stream merges a new delta into it (read-merge-write): the HLL estimate (its coupons merge into lgK 16).
    List<String> more = clients(3_000, 22);
    MetricState merged = stored.merge(single(more));
    assertThat(merged.users()).isEqualTo(4_000);
    assertThat(merged.sessions()).isEqualTo(4_000);
    assertThat(merged.activeUsers()).isEqualTo(2_500);
    assertThat(DistinctCount.fromBytes(merged.usersSketch()).hllLgK()).isEqualTo(16);
    // The shuffle bytes of the former code (version 1: three plain HLL images) read too; no active users column:
    // the total users stand in.
    byte[] image = formerImage(old);
    ByteBuffer former = ByteBuffer.allocate(1 + 6 * 8 + 3 * 4 + image.length);
    former.put((byte) 1).putLong(1_000).putLong(1_000).putLong(0).putLong(0).putLong(0).putLong(0)
        .putInt(image.length).put(image).putInt(0).putInt(0);
    MetricState fromBytes = MetricState.fromBytes(former.array());
    assertThat(fromBytes.users()).isEqualTo(1_000);
    assertThat(fromBytes.activeUsers()).isEqualTo(1_000);
    assertThat(fromBytes.sessions()).isZero();
    assertThat(fromBytes.sessionsBounds(2)).containsExactly(0, 0);
  }

  @Test
  void aFormerLgK14HllArrayDegradesTheUnionToLgK14AsDocumented() {
    List<String> old = clients(20_000, 31); // past the coupons: an lgK 14 HLL array
    MetricState stored = MetricState.of(0, 0, 0, 0, 0, 0, formerImage(old), null, null);
    assertThat((double) stored.users()).isCloseTo(20_000, within(20_000 * 3 * 0.0081));
    MetricState merged = new MetricState().merge(single(clients(20_000, 32))).merge(stored);
    assertThat(DistinctCount.fromBytes(merged.usersSketch()).hllLgK()).isEqualTo(14);
    assertThat((double) merged.users()).isCloseTo(40_000, within(40_000 * 3 * 0.0081));
  }

  @Test
  void aBlobThatIsNoHllImageIsRefusedWithRecomputeTheDay() {
    byte[] notHll = "not a sketch at all, just bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    MetricState m = MetricState.of(0, 0, 0, 0, 0, 0, notHll, null, null, null);
    assertThatThrownBy(m::users).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recompute the day");
    assertThatThrownBy(() -> MetricState.fromBytes(new byte[] {3})).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- coupon collisions: the HLL's residual error below 6,144, which the exact part removes

  @Test
  void twoIdsSharingA32BitCouponAreTwoNow() {
    // Found by search: same 26-bit bucket address and same 6-bit value of their 128-bit murmur hashes.
    MetricState m = single(List.of("3fe52c6f-c11a-ee4e-da90-933c47a6856f", "0533c743-7f06-7ae0-43d6-1415987e4953"));
    assertThat(DistinctCount.fromBytes(m.usersSketch()).hllEstimate()).as("the HLL part alone").isEqualTo(1);
    assertThat(m.users()).isEqualTo(2);
    assertThat(MetricState.fromBytes(m.toBytes()).users()).isEqualTo(2);
    assertThat(columns(m).users()).isEqualTo(2);
    // And in a union of hourly states.
    MetricState union = single(List.of("3fe52c6f-c11a-ee4e-da90-933c47a6856f"))
        .merge(columns(single(List.of("0533c743-7f06-7ae0-43d6-1415987e4953"))));
    assertThat(union.users()).isEqualTo(2);
    // Ids sharing only the bucket address (another value) are two either way.
    MetricState other = single(List.of("ec260242-81b4-d427-140c-486f88e708c6", "b0456dd3-65b4-9121-7f55-5d429a2ca1ff"));
    assertThat(other.users()).isEqualTo(2);
  }
}
