package io.beacon.model.aggregation;

import java.nio.ByteBuffer;
import org.apache.datasketches.common.ResizeFactor;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.theta.CompactSketch;
import org.apache.datasketches.theta.SetOperation;
import org.apache.datasketches.theta.Sketch;
import org.apache.datasketches.theta.UpdateSketch;

/**
 * One mergeable distinct count of {@link MetricState} ({@code totalUsers}, {@code activeUsers}, {@code sessions},
 * {@code engagedSessions}): an exact front up to {@value #EXACT_LIMIT} distinct values next to an HLL sketch.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li><b>exact part</b>: a DataSketches Theta sketch with {@value #EXACT_LIMIT} nominal entries. It keeps 63 bits of
 *       each value's 128-bit murmur hash, so while it is exact (theta = 1, at most {@value #EXACT_LIMIT} entries)
 *       its count is the true count barring a 63-bit hash collision (about n&sup2;/2<sup>64</sup>: 2&middot;10<sup>-13</sup>
 *       at n = 2,048). {@value #EXACT_LIMIT} nominal entries is the smallest power of two whose union is exact up
 *       to 2,048: a Theta union keeps at most its nominal entries (a single Theta sketch built by updates stays
 *       exact up to about 15/8 of them, a union does not), see {@code DistinctCountTest}. The part is dropped
 *       ("overflowed") as soon as it holds more than {@value #EXACT_LIMIT} values, after an update or a union, and
 *       never comes back: a union with an overflowed count overflows too.</li>
 *   <li><b>HLL part</b>: HLL_4, lgK {@value #LG_K} (as before this class): updated with every value, merged by every
 *       union, so it is there when the exact part is gone. Within 0.9% at 95% above the exact range (measured,
 *       {@code docs/bench-results}), exact barring 32-bit coupon collisions up to 6,144 values.</li>
 * </ul>
 * {@link #estimate()} is the exact part's count while there is one, else the HLL estimate; {@link #lowerBound} and
 * {@link #upperBound} are that count (a zero-width interval), else the HLL's bounds.
 *
 * <h2>Stored form ({@link #toBytes()})</h2>
 * <pre>
 *   byte 0      {@value #MAGIC_HEX} (magic: not an HLL preamble-ints value, which is 2, 3 or 10, nor a Theta
 *               preamble-longs byte, whose low 6 bits are 1..3)
 *   byte 1      envelope version, 1
 *   byte 2      flags: bit 0 = the exact part follows
 *   [bytes 3-6  big-endian int32 length L of the exact part, then L bytes: a compact, ordered Theta image
 *               (serial version 3; {@link CompactSketch#heapify} reads the compressed version 4 too)]
 *   the rest    the HLL part's compact image (HllSketch#toCompactByteArray)
 * </pre>
 * Sizes: 23 bytes empty; 12 bytes per value (8 in the exact part, 4 per HLL coupon) plus 35 up to
 * {@value #EXACT_LIMIT} values (n = 10: 155, n = 1,000: 12,035, n = 2,048: 24,611); above, the HLL image plus 3
 * bytes (4 bytes per value up to 6,144 values, then about 32.8 KB). A blob that does not start with the magic byte is a legacy image: a plain DataSketches HLL image (the
 * former HLL_4 lgK 16 or HLL_8 lgK 14 sketches). It has no exact part, unless it is empty, so every union that
 * takes one in gives the HLL estimate: recompute the day to get exact small counts. Anything else is refused with
 * "recompute the day".
 *
 * <p>Not thread-safe for writers. A count only read (estimates, bounds, serialized, merged into others) may be
 * shared: reading settles nothing unless a union is open, and decoded counts have none.
 */
public final class DistinctCount {

  /** log2 of the number of HLL buckets of new sketches and of every union. */
  public static final int LG_K = 16;
  /** The most distinct values the exact part holds (and the Theta sketch's nominal entries). */
  public static final int EXACT_LIMIT = 2_048;
  /** Relative standard error of a merged HLL count (1 standard deviation, 1.04/&radic;k). */
  public static final double RELATIVE_STANDARD_ERROR = 1.04 / Math.sqrt(1 << LG_K);

  static final TgtHllType TYPE = TgtHllType.HLL_4;
  static final byte MAGIC = (byte) 0xDC;
  static final String MAGIC_HEX = "0xDC";
  static final byte VERSION = 1;
  private static final int FLAG_EXACT = 1;
  private static final int HEADER = 3;

  // The HLL part: the sketch, or (while merges gather) a Union holding it; settled on read.
  private HllSketch hll;
  private org.apache.datasketches.hll.Union hllUnion;
  // The exact part: at most one of the three is set; none = empty (while not overflowed).
  private UpdateSketch exactUpdates; // built by update()
  private CompactSketch exactCompact; // decoded, or a settled union; never changed (may be shared)
  private org.apache.datasketches.theta.Union exactUnion; // gathering merges; settled on read
  private boolean overflowed;

  /** An empty count (exact: 0). */
  public DistinctCount() {
    this.hll = new HllSketch(LG_K, TYPE);
  }

  private DistinctCount(HllSketch hll, CompactSketch exact, boolean overflowed) {
    this.hll = hll;
    this.exactCompact = exact;
    this.overflowed = overflowed;
  }

  /** Counts {@code value}. */
  public void update(String value) {
    hll().update(value);
    if (overflowed) {
      return;
    }
    if (exactUpdates == null && exactCompact == null && exactUnion == null) {
      exactUpdates = newExactSketch();
    }
    if (exactUpdates != null) {
      exactUpdates.update(value);
      if (exactUpdates.getRetainedEntries(true) > EXACT_LIMIT) {
        overflow();
      }
    } else {
      // Updated after a merge (rare: states are built by updates, then merged): the union takes it; whether the
      // exact part overflowed is known when the union settles.
      openExactUnion().update(value);
    }
  }

  /** Counts the UTF-8 bytes of a value: the same as {@link #update(String)} of that string (benchmarks). */
  public void update(byte[] utf8) {
    hll().update(utf8);
    if (overflowed) {
      return;
    }
    if (exactUpdates == null && exactCompact == null && exactUnion == null) {
      exactUpdates = newExactSketch();
    }
    if (exactUpdates != null) {
      exactUpdates.update(utf8);
      if (exactUpdates.getRetainedEntries(true) > EXACT_LIMIT) {
        overflow();
      }
    } else {
      openExactUnion().update(utf8);
    }
  }

  /** Adds {@code other} into this count (a union of both parts); {@code other} is only read. */
  public DistinctCount merge(DistinctCount other) {
    if (other == this) {
      return this;
    }
    HllSketch theirs = other.hll();
    if (!theirs.isEmpty()) {
      if (hllUnion == null) {
        hllUnion = new org.apache.datasketches.hll.Union(LG_K);
        if (!hll.isEmpty()) {
          hllUnion.update(hll);
        }
        hll = null;
      }
      hllUnion.update(theirs);
    }
    if (overflowed) {
      return this;
    }
    if (other.exactOverflowed()) {
      overflow();
      return this;
    }
    Sketch exact = other.exactPart();
    if (exact == null || exact.isEmpty()) {
      return this;
    }
    if (exactUpdates == null && exactCompact == null && exactUnion == null) {
      // Nothing here yet: take theirs as it is (compact sketches are never changed), or a copy of an update sketch.
      exactCompact = exact instanceof CompactSketch c ? c : exact.compact(false, null);
      return this;
    }
    openExactUnion().union(exact);
    return this;
  }

  private static UpdateSketch newExactSketch() {
    // X2: the table starts at 32 entries and doubles (most rows of a breakdown hold a few values).
    return UpdateSketch.builder().setNominalEntries(EXACT_LIMIT).setResizeFactor(ResizeFactor.X2).build();
  }

  private org.apache.datasketches.theta.Union openExactUnion() {
    if (exactUnion == null) {
      exactUnion = SetOperation.builder().setNominalEntries(EXACT_LIMIT).setResizeFactor(ResizeFactor.X2)
          .buildUnion();
      if (exactUpdates != null) {
        exactUnion.union(exactUpdates);
      } else if (exactCompact != null) {
        exactUnion.union(exactCompact);
      }
      exactUpdates = null;
      exactCompact = null;
    }
    return exactUnion;
  }

  private void overflow() {
    overflowed = true;
    exactUpdates = null;
    exactCompact = null;
    exactUnion = null;
  }

  private HllSketch hll() {
    if (hllUnion != null) {
      hll = hllUnion.getResult(TYPE);
      hllUnion = null;
    }
    return hll;
  }

  /** Settles an open union of the exact part (dropping it if the union passed the limit). */
  private void settleExact() {
    if (exactUnion != null) {
      // Unordered: reading the count needs no sort; toBytes sorts what it stores.
      CompactSketch result = exactUnion.getResult(false, null);
      exactUnion = null;
      if (result.isEstimationMode() || result.getRetainedEntries(true) > EXACT_LIMIT) {
        overflow();
      } else {
        exactCompact = result;
      }
    }
  }

  private boolean exactOverflowed() {
    settleExact();
    return overflowed;
  }

  /** The exact part (an update or compact sketch; null: empty or overflowed). */
  private Sketch exactPart() {
    settleExact();
    return exactUpdates != null ? exactUpdates : exactCompact;
  }

  // ---- reading

  /** Whether the count is exact (the exact part is still there: at most {@value #EXACT_LIMIT} values). */
  public boolean isExact() {
    return !exactOverflowed();
  }

  /** The count: exact while {@link #isExact()}, else the HLL estimate. */
  public double estimate() {
    if (!exactOverflowed()) {
      Sketch exact = exactPart();
      return exact == null ? 0 : exact.getRetainedEntries(true);
    }
    return hll().getEstimate();
  }

  /** The lower bound at {@code stdDevs} (1, 2 or 3) standard deviations: the count itself while exact. */
  public double lowerBound(int stdDevs) {
    return isExact() ? estimate() : hll().getLowerBound(stdDevs);
  }

  /** The upper bound at {@code stdDevs} (1, 2 or 3) standard deviations: the count itself while exact. */
  public double upperBound(int stdDevs) {
    return isExact() ? estimate() : hll().getUpperBound(stdDevs);
  }

  /** The HLL part's estimate alone (what the count was before the exact front; tests and benchmarks). */
  public double hllEstimate() {
    return hll().getEstimate();
  }

  /** lgK of the HLL part: {@value #LG_K}, or 14 for a count that holds or merged a former lgK 14 HLL array. */
  public int hllLgK() {
    return hll().getLgConfigK();
  }

  /** The HLL part's compact image. */
  public byte[] hllImage() {
    return hll().toCompactByteArray();
  }

  // ---- stored form

  /** The stored form: the envelope described in the class comment. */
  public byte[] toBytes() {
    Sketch exact = overflowed ? null : exactPart();
    byte[] exactImage = overflowed ? null
        : exact == null ? EMPTY_EXACT_IMAGE
        : exact instanceof CompactSketch c && c.isOrdered() ? c.toByteArray() : exact.compact(true, null).toByteArray();
    byte[] hllImage = hll().toCompactByteArray();
    int size = HEADER + (exactImage == null ? 0 : Integer.BYTES + exactImage.length) + hllImage.length;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(MAGIC).put(VERSION).put((byte) (exactImage == null ? 0 : FLAG_EXACT));
    if (exactImage != null) {
      b.putInt(exactImage.length).put(exactImage);
    }
    b.put(hllImage);
    return b.array();
  }

  private static final byte[] EMPTY_EXACT_IMAGE = newExactSketch().compact(true, null).toByteArray();

  /**
   * Reads a stored form: the envelope, or a legacy plain HLL image (no exact part unless empty); null or empty =
   * an empty count.
   *
   * @throws IllegalArgumentException if {@code image} is neither (the message says "recompute the day")
   */
  public static DistinctCount fromBytes(byte[] image) {
    if (image == null || image.length == 0) {
      return new DistinctCount();
    }
    try {
      if (image[0] != MAGIC) {
        HllSketch legacy = HllSketch.heapify(Memory.wrap(image));
        // An empty sketch is exactly empty; any other legacy count has no exact part.
        return new DistinctCount(legacy, null, !legacy.isEmpty());
      }
      Memory memory = Memory.wrap(image);
      ByteBuffer b = ByteBuffer.wrap(image);
      b.get();
      byte version = b.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown distinct-count envelope version " + version);
      }
      int flags = b.get();
      CompactSketch exact = null;
      if ((flags & FLAG_EXACT) != 0) {
        int length = b.getInt();
        exact = CompactSketch.heapify(memory.region(b.position(), length));
        b.position(b.position() + length);
        if (exact.isEstimationMode() || exact.getRetainedEntries(true) > EXACT_LIMIT) {
          throw new IllegalArgumentException("an exact part past its limit");
        }
      }
      HllSketch hll = HllSketch.heapify(memory.region(b.position(), image.length - b.position()));
      return new DistinctCount(hll, exact == null || exact.isEmpty() ? null : exact, exact == null);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("neither a distinct-count envelope nor a DataSketches HLL image ("
          + image.length + " bytes): " + e.getMessage() + "; recompute the day", e);
    }
  }

  /** Whether {@code image} is an envelope (else a legacy HLL image, or empty). */
  public static boolean isEnvelope(byte[] image) {
    return image != null && image.length > 0 && image[0] == MAGIC;
  }

  @Override
  public String toString() {
    return (isExact() ? "exact " : "~") + Math.round(estimate());
  }
}
