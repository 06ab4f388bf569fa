package io.beacon.model.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.theta.CompactSketch;
import org.apache.datasketches.theta.SetOperation;
import org.apache.datasketches.theta.Union;
import org.apache.datasketches.theta.UpdateSketch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exact front of a distinct count: which Theta size is exact up to 2,048 (single sketches and unions), where
 * the exact part stops, and the stored envelope (and that legacy HLL images cannot be mistaken for it).
 */
class DistinctCountTest {

  private static List<String> values(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new UUID(r.nextLong(), r.nextLong()).toString());
    }
    return out;
  }

  private static DistinctCount count(List<String> values) {
    DistinctCount d = new DistinctCount();
    values.forEach(d::update);
    return d;
  }

  // ---- which nominal entries: a single Theta sketch stays exact up to ~15/8 K, a union only up to K

  private static boolean exactSingle(int k, List<String> values) {
    UpdateSketch s = UpdateSketch.builder().setNominalEntries(k).build();
    values.forEach(s::update);
    return !s.isEstimationMode() && s.getRetainedEntries(true) == values.size();
  }

  /** The union of two halves (overlapping by a quarter of the values), as rows merge. */
  private static boolean exactUnion(int k, List<String> values) {
    int n = values.size();
    UpdateSketch a = UpdateSketch.builder().setNominalEntries(k).build();
    UpdateSketch b = UpdateSketch.builder().setNominalEntries(k).build();
    values.subList(0, n * 5 / 8).forEach(a::update);
    values.subList(n * 3 / 8, n).forEach(b::update);
    Union u = SetOperation.builder().setNominalEntries(k).buildUnion();
    u.union(a.compact());
    u.union(b.compact());
    CompactSketch r = u.getResult();
    return !r.isEstimationMode() && r.getRetainedEntries(true) == n;
  }

  @Test
  void thetaWith2048NominalEntriesIsTheSmallestExactUpTo2048ForUnionsToo() {
    List<String> v2048 = values(2_048, 1);
    // 1,024 nominal entries: a single sketch is still exact at 2,048 (its table holds up to 15/16 of 2 K)...
    assertThat(exactSingle(1_024, values(1_900, 2))).isTrue();
    // ... but a union keeps at most K entries: not exact past 1,024.
    assertThat(exactUnion(1_024, values(1_024, 3))).isTrue();
    assertThat(exactUnion(1_024, values(1_025, 3))).isFalse();
    assertThat(exactUnion(1_024, v2048)).isFalse();
    // 2,048: exact up to 2,048 both ways, not one further as a union.
    assertThat(exactSingle(2_048, v2048)).isTrue();
    assertThat(exactUnion(2_048, v2048)).isTrue();
    assertThat(exactUnion(2_048, values(2_049, 4))).isFalse();
    assertThat(DistinctCount.EXACT_LIMIT).isEqualTo(2_048);
  }

  // ---- the exact part

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 10, 1_000, 2_047, 2_048})
  void exactUpToTheLimitBuiltByUpdates(int n) {
    DistinctCount d = count(values(n, n));
    assertThat(d.isExact()).isTrue();
    assertThat(d.estimate()).isEqualTo(n);
    assertThat(d.lowerBound(2)).isEqualTo(n);
    assertThat(d.upperBound(2)).isEqualTo(n);
    DistinctCount copy = DistinctCount.fromBytes(d.toBytes());
    assertThat(copy.isExact()).isTrue();
    assertThat(copy.estimate()).isEqualTo(n);
  }

  @Test
  void pastTheLimitTheExactPartIsDroppedAndTheHllAnswers() {
    DistinctCount d = count(values(2_049, 5));
    assertThat(d.isExact()).isFalse();
    assertThat(d.estimate()).isEqualTo(d.hllEstimate());
    assertThat(d.lowerBound(2)).isLessThan(d.upperBound(2));
    // Duplicates do not push a count past the limit.
    DistinctCount dup = new DistinctCount();
    List<String> v = values(2_048, 6);
    v.forEach(dup::update);
    v.forEach(dup::update);
    assertThat(dup.isExact()).isTrue();
    assertThat(dup.estimate()).isEqualTo(2_048);
  }

  @Test
  void aUnionIsExactWhileItHoldsAtMostTheLimitThenNeverAgain() {
    List<String> v = values(3_000, 7);
    // Two counts of 1,500 sharing 952: a union of 2,048.
    DistinctCount a = count(v.subList(0, 1_500));
    DistinctCount b = count(v.subList(548, 2_048));
    DistinctCount u = new DistinctCount().merge(a).merge(DistinctCount.fromBytes(b.toBytes()));
    assertThat(u.isExact()).isTrue();
    assertThat(u.estimate()).isEqualTo(2_048);
    assertThat(a.estimate()).isEqualTo(1_500); // only read
    // What is stored is the ordered compact image, whatever order the union held it in.
    byte[] stored = u.toBytes();
    int length = ByteBuffer.wrap(stored, 3, 4).getInt();
    CompactSketch exact = CompactSketch.heapify(org.apache.datasketches.memory.Memory.wrap(stored).region(7, length));
    assertThat(exact.isOrdered()).isTrue();
    assertThat(exact.getRetainedEntries(true)).isEqualTo(2_048);
    // One value more: past the limit.
    DistinctCount c = count(v.subList(2_048, 2_049));
    u.merge(c);
    assertThat(u.isExact()).isFalse();
    // A union with an overflowed count stays overflowed, even with exact ones after.
    DistinctCount w = new DistinctCount().merge(count(v.subList(0, 10))).merge(u).merge(count(v.subList(0, 5)));
    assertThat(w.isExact()).isFalse();
    assertThat(w.estimate()).isBetween(2_049 * 0.99, 2_049 * 1.01);
  }

  @Test
  void updatesAfterAMergeStayExactUntilTheLimit() {
    List<String> v = values(2_100, 8);
    DistinctCount d = new DistinctCount().merge(count(v.subList(0, 1_000)));
    v.subList(500, 2_048).forEach(d::update);
    assertThat(d.isExact()).isTrue();
    assertThat(d.estimate()).isEqualTo(2_048);
    v.subList(2_048, 2_100).forEach(d::update);
    assertThat(d.isExact()).isFalse();
    assertThat(d.estimate()).isBetween(2_100 * 0.99, 2_100 * 1.01);
  }

  // ---- the stored envelope

  @Test
  void theEnvelopeLayout() {
    DistinctCount d = count(values(10, 9));
    byte[] b = d.toBytes();
    ByteBuffer buf = ByteBuffer.wrap(b);
    assertThat(buf.get()).isEqualTo((byte) 0xDC);
    assertThat(buf.get()).isEqualTo((byte) 1);
    assertThat(buf.get()).isEqualTo((byte) 1); // the exact part follows
    int length = buf.getInt();
    byte[] theta = new byte[length];
    buf.get(theta);
    assertThat(CompactSketch.heapify(org.apache.datasketches.memory.Memory.wrap(theta)).getEstimate()).isEqualTo(10);
    byte[] hll = new byte[buf.remaining()];
    buf.get(hll);
    assertThat(Math.round(HllSketch.heapify(hll).getEstimate())).isEqualTo(10);
    assertThat(HllSketch.heapify(hll).getLgConfigK()).isEqualTo(16);
    assertThat(HllSketch.heapify(hll).getTgtHllType()).isEqualTo(TgtHllType.HLL_4);
    assertThat(b).hasSize(3 + 4 + (16 + 8 * 10) + (12 + 4 * 10));
    // Empty; and overflowed: no exact part, the flag clear.
    assertThat(new DistinctCount().toBytes()).hasSize(3 + 4 + 8 + 8);
    byte[] big = count(values(3_000, 10)).toBytes();
    assertThat(big[2]).isZero();
    assertThat(HllSketch.heapify(org.apache.datasketches.memory.Memory.wrap(big).region(3, big.length - 3))
        .getEstimate()).isBetween(2_900.0, 3_100.0);
  }

  @Test
  void legacyHllImagesCannotBeMistakenForTheEnvelope() {
    // HLL compact images start with their preamble ints: 2 (list), 3 (set) or 10 (HLL array).
    for (TgtHllType type : TgtHllType.values()) {
      for (int lgK : new int[] {14, 16}) {
        for (int n : new int[] {0, 1, 10, 1_000, 5_000, 20_000, 100_000}) {
          HllSketch s = new HllSketch(lgK, type);
          values(n, n).forEach(s::update);
          byte[] image = s.toCompactByteArray();
          assertThat(image[0]).isIn((byte) 2, (byte) 3, (byte) 10);
          assertThat(DistinctCount.isEnvelope(image)).isFalse();
          DistinctCount legacy = DistinctCount.fromBytes(image);
          assertThat(legacy.isExact()).isEqualTo(n == 0); // only an empty one is exact
          assertThat(legacy.estimate()).isEqualTo(s.getEstimate());
        }
      }
    }
  }

  @Test
  void aCompressedThetaImageInTheEnvelopeReadsToo() {
    UpdateSketch t = UpdateSketch.builder().setNominalEntries(2_048).build();
    HllSketch h = new HllSketch(16, TgtHllType.HLL_4);
    for (String v : values(1_000, 11)) {
      t.update(v);
      h.update(v);
    }
    byte[] theta = t.compact(true, null).toByteArrayCompressed();
    byte[] hll = h.toCompactByteArray();
    ByteBuffer b = ByteBuffer.allocate(3 + 4 + theta.length + hll.length);
    b.put((byte) 0xDC).put((byte) 1).put((byte) 1).putInt(theta.length).put(theta).put(hll);
    DistinctCount d = DistinctCount.fromBytes(b.array());
    assertThat(d.isExact()).isTrue();
    assertThat(d.estimate()).isEqualTo(1_000);
  }

  @Test
  void whatIsNeitherIsRefusedWithRecomputeTheDay() {
    for (byte[] bad : new byte[][] {"not a sketch".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        {(byte) 0xDC}, {(byte) 0xDC, 2, 0, 2, 1, 7, 0, 0, 0, 0}, {(byte) 0xDC, 1, 1, 0, 0, 0, 99, 1, 2}}) {
      assertThatThrownBy(() -> DistinctCount.fromBytes(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("recompute the day");
    }
  }
}
