package io.beacon.bench;

import io.beacon.model.aggregation.DistinctCount;
import io.beacon.testing.BenchMain;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.datasketches.cpc.CpcSketch;
import org.apache.datasketches.cpc.CpcUnion;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.theta.CompactSketch;
import org.apache.datasketches.theta.SetOperation;
import org.apache.datasketches.theta.UpdateSketch;

/**
 * Distinct-count sketch benchmark ({@code bin/bench-sketches}, {@code bin/beacon bench --only sketches}): measures
 * the accuracy and stored size of the DataSketches candidates for {@code MetricState}'s distinct counts, on random
 * 36-character UUID strings (client ids and session keys look like that), for a single sketch built by updates and
 * for the union of 24 hourly sketches (disjoint and overlapping item sets: how a report merges a day's hour rows,
 * or a month's day rows). No servers; one thread.
 *
 * <p>Per candidate and true count n: the exact-match rate ({@code Math.round(estimate) == n}, what
 * {@code MetricState.users()} returns), the 95th percentile and the maximum of |estimate - n| / n over the trials,
 * and the mean serialized size in bytes (the compact image a Cassandra row stores; for Theta also its compressed
 * form). Candidates: HLL_4/HLL_6/HLL_8 at lgK 12..16, CPC at lgK 12..15, Theta QuickSelect (compact, ordered)
 * with 2^12..2^16 nominal entries, and the "exact front" {@link DistinctCount} (MetricState's distinct counts since
 * it: an exact Theta part up to 2,048 values next to HLL_4 lgK 16), measured through its stored form.
 *
 * <p>Then timings of each candidate run ({@link #timings}): 1,000,000 updates into one sketch, and the union of 24
 * hourly stored sketches (decoding them, and merging the decoded ones), medians of repeated runs.
 *
 * <p>Arguments: {@code [out=target/bench/sketches.md] [json=target/bench/sketches.json] [scale=1.0] [seed=1]
 * [only=]}: {@code scale} multiplies every trial count (0.1 checks the set-up in seconds; the default takes ~4-5
 * minutes of one core); {@code only}, comma-separated, keeps the candidates whose name starts with one of them
 * (e.g. {@code "HLL_4 lgK 16,exact front"}; empty: all).
 */
public final class SketchBenchmark {

  static final int HOURS = 24;
  static final int[] NS = {10, 100, 500, 1_000, 2_000, 2_048, 5_000, 10_000, 100_000, 1_000_000};
  /** Trials per n at scale 1: many where it is cheap, fewer for the large counts (whose errors are pooled too). */
  static final int[] TRIALS = {1000, 1000, 1000, 1000, 500, 500, 300, 200, 60, 10};
  /** The name of the candidate MetricState used before the exact front, and of the exact front. */
  static final String BEFORE = "HLL_4 lgK 16";
  static final String AFTER = "exact front (Theta 2^11 + HLL_4 lgK 16)";
  static final String[] MODES = {"single", "union24 disjoint", "union24 overlapping"};

  /** One candidate sketch configuration. */
  abstract static class Candidate {
    final String family;
    final String name;
    final int lgK;
    long updateNanos;
    long updates;

    Candidate(String family, String name, int lgK) {
      this.family = family;
      this.name = name;
      this.lgK = lgK;
    }

    abstract Object newSketch();

    abstract void update(Object sketch, byte[] item);

    /** The stored form of a sketch being built (compact image), as an object the union and estimate take. */
    abstract Object stored(Object sketch);

    abstract double estimate(Object stored);

    abstract int bytes(Object stored);

    /** Extra size figure (Theta's compressed image), or -1. */
    int altBytes(Object stored) {
      return -1;
    }

    abstract Object union(List<Object> stored);

    /** The bytes a row stores ({@link #bytes} counts them). */
    abstract byte[] encode(Object stored);

    /** A stored sketch read back from {@link #encode}'s bytes, as a report decodes a row. */
    abstract Object decode(byte[] bytes);
  }

  static final class Hll extends Candidate {
    final TgtHllType type;

    Hll(TgtHllType type, int lgK) {
      super("HLL", type + " lgK " + lgK, lgK);
      this.type = type;
    }

    @Override
    Object newSketch() {
      return new HllSketch(lgK, type);
    }

    @Override
    void update(Object sketch, byte[] item) {
      ((HllSketch) sketch).update(item);
    }

    @Override
    Object stored(Object sketch) {
      return sketch; // its compact image is what is stored; HllSketch.heapify of it estimates the same
    }

    @Override
    double estimate(Object stored) {
      return ((HllSketch) stored).getEstimate();
    }

    @Override
    int bytes(Object stored) {
      return ((HllSketch) stored).toCompactByteArray().length;
    }

    @Override
    Object union(List<Object> stored) {
      org.apache.datasketches.hll.Union u = new org.apache.datasketches.hll.Union(lgK);
      for (Object s : stored) {
        u.update((HllSketch) s);
      }
      return u.getResult(type);
    }

    @Override
    byte[] encode(Object stored) {
      return ((HllSketch) stored).toCompactByteArray();
    }

    @Override
    Object decode(byte[] bytes) {
      return HllSketch.heapify(Memory.wrap(bytes));
    }
  }

  static final class Cpc extends Candidate {
    Cpc(int lgK) {
      super("CPC", "CPC lgK " + lgK, lgK);
    }

    @Override
    Object newSketch() {
      return new CpcSketch(lgK);
    }

    @Override
    void update(Object sketch, byte[] item) {
      ((CpcSketch) sketch).update(item);
    }

    @Override
    Object stored(Object sketch) {
      return sketch;
    }

    @Override
    double estimate(Object stored) {
      return ((CpcSketch) stored).getEstimate();
    }

    @Override
    int bytes(Object stored) {
      return ((CpcSketch) stored).toByteArray().length;
    }

    @Override
    Object union(List<Object> stored) {
      CpcUnion u = new CpcUnion(lgK);
      for (Object s : stored) {
        u.update((CpcSketch) s);
      }
      return u.getResult();
    }

    @Override
    byte[] encode(Object stored) {
      return ((CpcSketch) stored).toByteArray();
    }

    @Override
    Object decode(byte[] bytes) {
      return CpcSketch.heapify(Memory.wrap(bytes));
    }
  }

  static final class Theta extends Candidate {
    Theta(int lgK) {
      super("Theta", "Theta QuickSelect 2^" + lgK, lgK);
    }

    @Override
    Object newSketch() {
      return UpdateSketch.builder().setNominalEntries(1 << lgK).build();
    }

    @Override
    void update(Object sketch, byte[] item) {
      ((UpdateSketch) sketch).update(item);
    }

    @Override
    Object stored(Object sketch) {
      // Trimmed to the nominal entries first: QuickSelect holds up to ~15/8 of them while it builds, and a row
      // would store them all.
      UpdateSketch u = (UpdateSketch) sketch;
      u.rebuild();
      return u.compact(true, null);
    }

    @Override
    double estimate(Object stored) {
      return ((CompactSketch) stored).getEstimate();
    }

    @Override
    int bytes(Object stored) {
      return ((CompactSketch) stored).toByteArray().length;
    }

    @Override
    int altBytes(Object stored) {
      return ((CompactSketch) stored).toByteArrayCompressed().length;
    }

    @Override
    Object union(List<Object> stored) {
      org.apache.datasketches.theta.Union u = SetOperation.builder().setNominalEntries(1 << lgK).buildUnion();
      for (Object s : stored) {
        u.union((CompactSketch) s);
      }
      return u.getResult(true, null);
    }

    @Override
    byte[] encode(Object stored) {
      return ((CompactSketch) stored).toByteArray();
    }

    @Override
    Object decode(byte[] bytes) {
      return CompactSketch.heapify(Memory.wrap(bytes));
    }
  }

  /**
   * MetricState's distinct count since the exact front ({@link DistinctCount}): a Theta sketch of 2^11 nominal
   * entries, exact up to 2,048 values (dropped past them), next to an HLL_4 lgK 16 sketch; both updated with every
   * value; the count is the Theta part's while it is exact, else the HLL's. Measured through its stored form
   * (the envelope a row holds, read back).
   */
  static final class ExactFront extends Candidate {
    ExactFront() {
      super("exact front", AFTER, DistinctCount.LG_K);
    }

    @Override
    Object newSketch() {
      return new DistinctCount();
    }

    @Override
    void update(Object sketch, byte[] item) {
      ((DistinctCount) sketch).update(item);
    }

    @Override
    Object stored(Object sketch) {
      return DistinctCount.fromBytes(((DistinctCount) sketch).toBytes());
    }

    @Override
    double estimate(Object stored) {
      return ((DistinctCount) stored).estimate();
    }

    @Override
    int bytes(Object stored) {
      return ((DistinctCount) stored).toBytes().length;
    }

    @Override
    Object union(List<Object> stored) {
      DistinctCount u = new DistinctCount();
      for (Object s : stored) {
        u.merge((DistinctCount) s);
      }
      return u;
    }

    @Override
    byte[] encode(Object stored) {
      return ((DistinctCount) stored).toBytes();
    }

    @Override
    Object decode(byte[] bytes) {
      return DistinctCount.fromBytes(bytes);
    }
  }

  /** The figures of one candidate at one n in one mode. */
  static final class Cell {
    int trials;
    int exact;
    final double[] errors;
    long bytes;
    long altBytes;

    Cell(int trials) {
      this.errors = new double[trials];
    }

    void add(long n, double estimate, int size, int alt) {
      if (Math.round(estimate) == n) {
        exact++;
      }
      errors[trials++] = Math.abs(estimate - n) / n;
      bytes += size;
      altBytes += alt;
    }

    double[] sorted() {
      double[] e = Arrays.copyOf(errors, trials);
      Arrays.sort(e);
      return e;
    }

    double p95() {
      double[] e = sorted();
      return e.length == 0 ? Double.NaN : e[Math.max(0, (int) Math.ceil(0.95 * e.length) - 1)];
    }

    double max() {
      double[] e = sorted();
      return e.length == 0 ? Double.NaN : e[e.length - 1];
    }

    double exactRate() {
      return trials == 0 ? Double.NaN : (double) exact / trials;
    }

    long meanBytes() {
      return trials == 0 ? 0 : Math.round((double) bytes / trials);
    }

    long meanAltBytes() {
      return trials == 0 ? 0 : Math.round((double) altBytes / trials);
    }
  }

  static List<Candidate> candidates() {
    List<Candidate> c = new ArrayList<>();
    for (TgtHllType t : new TgtHllType[] {TgtHllType.HLL_4, TgtHllType.HLL_6, TgtHllType.HLL_8}) {
      for (int lgK = 12; lgK <= 16; lgK++) {
        c.add(new Hll(t, lgK));
      }
    }
    for (int lgK = 12; lgK <= 15; lgK++) {
      c.add(new Cpc(lgK));
    }
    for (int lgK = 12; lgK <= 16; lgK++) {
      c.add(new Theta(lgK));
    }
    c.add(new ExactFront());
    return c;
  }

  /** The candidates whose name starts with one of {@code only}'s comma-separated prefixes (empty: all). */
  static List<Candidate> candidates(String only) {
    if (only == null || only.isBlank()) {
      return candidates();
    }
    List<String> prefixes = Arrays.stream(only.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList();
    List<Candidate> out = candidates().stream().filter(c -> prefixes.stream().anyMatch(c.name::startsWith)).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no candidate starts with any of " + prefixes);
    }
    return out;
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** A random version-4 UUID as its 36 ASCII bytes (what String.getBytes(UTF_8) of a UUID string gives). */
  static byte[] uuid(SplittableRandom r) {
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    byte[] b = new byte[36];
    int p = 0;
    for (int i = 0; i < 32; i++) {
      if (i == 8 || i == 12 || i == 16 || i == 20) {
        b[p++] = '-';
      }
      long word = i < 16 ? hi : lo;
      int shift = 60 - 4 * (i % 16);
      b[p++] = HEX[(int) (word >>> shift) & 0xF];
    }
    return b;
  }

  public static void main(String[] args) {
    BenchMain.run("SketchBenchmark", () -> run(args));
  }

  static void run(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target/bench/sketches.md");
    Path json = Path.of(args.length > 1 ? args[1] : "target/bench/sketches.json");
    double scale = args.length > 2 ? Double.parseDouble(args[2]) : 1.0;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 1L;
    String only = args.length > 4 ? args[4] : "";
    String loadStart = BenchMain.loadAverage();
    Instant started = Instant.now();
    long cpuStart = cpuNanos();

    List<Candidate> candidates = candidates(only);
    int[] trials = new int[NS.length];
    for (int i = 0; i < NS.length; i++) {
      trials[i] = Math.max(2, (int) Math.round(TRIALS[i] * scale));
    }
    // cells[candidate][n][mode]
    Cell[][][] cells = new Cell[candidates.size()][NS.length][MODES.length];
    for (int c = 0; c < candidates.size(); c++) {
      for (int i = 0; i < NS.length; i++) {
        for (int m = 0; m < MODES.length; m++) {
          cells[c][i][m] = new Cell(trials[i]);
        }
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < NS.length; i++) {
      int n = NS[i];
      long t0 = System.nanoTime();
      for (int t = 0; t < trials[i]; t++) {
        byte[][] items = new byte[n][];
        for (int k = 0; k < n; k++) {
          items[k] = uuid(random);
        }
        // Overlapping hours: each item in its home hour and in 0..3 further random hours (a returning visitor).
        int[][] overlap = overlappingHours(n, random);
        for (int c = 0; c < candidates.size(); c++) {
          measure(candidates.get(c), n, items, overlap, cells[c][i]);
        }
      }
      System.out.printf(Locale.ROOT, "n=%,d: %d trials in %.1f s (load %s)%n", n, trials[i],
          (System.nanoTime() - t0) / 1e9, BenchMain.loadAverage());
    }
    long cpu = cpuNanos() - cpuStart;
    String loadEnd = BenchMain.loadAverage();
    List<Timing> timings = timings(candidates, scale, seed);
    String markdown = markdown(candidates, cells, trials, seed, scale, loadStart, loadEnd, started, cpu, only)
        + timingMarkdown(timings);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, markdown);
    JsonObject result = json(candidates, cells, trials, loadStart, loadEnd, cpu);
    result.put("timings", new JsonArray(timings.stream().map(Timing::json).toList()));
    BenchMain.writeJson(json, result);
    System.out.println(summaryTable(candidates, cells, trials));
    System.out.println(timingMarkdown(timings));
    System.out.println("written: " + out + ", " + json);
  }

  static int[][] overlappingHours(int n, SplittableRandom r) {
    int[][] hours = new int[n][];
    for (int k = 0; k < n; k++) {
      int extra = r.nextInt(4);
      int[] h = new int[1 + extra];
      h[0] = r.nextInt(HOURS);
      for (int e = 1; e <= extra; e++) {
        h[e] = r.nextInt(HOURS);
      }
      hours[k] = h;
    }
    return hours;
  }

  static void measure(Candidate c, int n, byte[][] items, int[][] overlap, Cell[] cell) {
    // A single sketch built by updates.
    long t0 = System.nanoTime();
    Object single = c.newSketch();
    for (byte[] item : items) {
      c.update(single, item);
    }
    c.updateNanos += System.nanoTime() - t0;
    c.updates += n;
    Object stored = c.stored(single);
    cell[0].add(n, c.estimate(stored), c.bytes(stored), c.altBytes(stored));
    // 24 hourly sketches, disjoint: hour h holds items [h n / 24, (h + 1) n / 24).
    List<Object> hours = new ArrayList<>(HOURS);
    for (int h = 0; h < HOURS; h++) {
      Object s = c.newSketch();
      for (int k = (int) ((long) h * n / HOURS); k < (int) ((long) (h + 1) * n / HOURS); k++) {
        c.update(s, items[k]);
      }
      hours.add(c.stored(s));
    }
    Object union = c.union(hours);
    cell[1].add(n, c.estimate(union), c.bytes(union), c.altBytes(union));
    // 24 hourly sketches, overlapping: each item in 1..4 hours.
    Object[] building = new Object[HOURS];
    for (int h = 0; h < HOURS; h++) {
      building[h] = c.newSketch();
    }
    for (int k = 0; k < n; k++) {
      for (int h : overlap[k]) {
        c.update(building[h], items[k]);
      }
    }
    hours.clear();
    for (Object s : building) {
      hours.add(c.stored(s));
    }
    union = c.union(hours);
    cell[2].add(n, c.estimate(union), c.bytes(union), c.altBytes(union));
  }

  // ---- timings

  /** One candidate's timings: updates, and unions of 24 hourly stored sketches at some day sizes. */
  record Timing(String name, double updatesMsMedian, double updatesMsMin, double smallUpdatesMsMedian,
                double smallUpdatesMsMin, int[] ns, long[] bytes, double[] decodeUs, double[] mergeUs,
                double heapBytes1, double heapBytes10) {
    JsonObject json() {
      JsonArray unions = new JsonArray();
      for (int i = 0; i < ns.length; i++) {
        unions.add(new JsonObject().put("n", ns[i]).put("meanBytes", bytes[i]).put("decode24Us", decodeUs[i])
            .put("merge24Us", mergeUs[i]));
      }
      return new JsonObject().put("name", name).put("millionUpdatesMsMedian", updatesMsMedian)
          .put("millionUpdatesMsMin", updatesMsMin).put("millionUpdatesIn1000SketchesMsMedian", smallUpdatesMsMedian)
          .put("millionUpdatesIn1000SketchesMsMin", smallUpdatesMsMin).put("union24", unions).put("heapBytesOneValue", heapBytes1)
          .put("heapBytesTenValues", heapBytes10);
    }
  }

  static final int UPDATES = 1_000_000;
  static final int[] UNION_NS = {1_000, 2_048, 100_000};

  /**
   * Per candidate: the time of {@value #UPDATES} updates into one new sketch (median and minimum of repeated runs,
   * after a warm-up), and for a day of n distinct values spread over 24 overlapping hourly sketches (as the
   * accuracy runs' overlapping mode) the time to decode the 24 stored images and to merge the 24 decoded sketches
   * and read the estimate (what a report does per group; medians of repeated rounds); and roughly the heap one
   * sketch holding 1 (10) values takes (100,000 of them, used heap after GC).
   */
  static List<Timing> timings(List<Candidate> candidates, double scale, long seed) {
    SplittableRandom random = new SplittableRandom(seed + 1);
    byte[][] items = new byte[UPDATES][];
    for (int i = 0; i < UPDATES; i++) {
      items[i] = uuid(random);
    }
    int reps = scale >= 1 ? 7 : 2;
    List<Timing> out = new ArrayList<>();
    for (Candidate c : candidates) {
      double[] runs = new double[reps];
      for (int r = -1; r < reps; r++) {
        long t0 = System.nanoTime();
        Object s = c.newSketch();
        for (byte[] item : items) {
          c.update(s, item);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (c.estimate(c.stored(s)) <= 0) {
          throw new IllegalStateException("no estimate");
        }
        if (r >= 0) {
          runs[r] = ms;
        }
      }
      Arrays.sort(runs);
      // The same updates into 1,000 sketches of 1,000 values each (each within the exact front).
      double[] small = new double[reps];
      for (int r = -1; r < reps; r++) {
        long t0 = System.nanoTime();
        double sink = 0;
        for (int k = 0; k < 1_000; k++) {
          Object s = c.newSketch();
          for (int i = k * 1_000; i < (k + 1) * 1_000; i++) {
            c.update(s, items[i]);
          }
          sink += s.hashCode();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r >= 0) {
          small[r] = ms + (sink == 42 ? 1e-9 : 0);
        }
      }
      Arrays.sort(small);
      long[] bytes = new long[UNION_NS.length];
      double[] decode = new double[UNION_NS.length];
      double[] merge = new double[UNION_NS.length];
      for (int k = 0; k < UNION_NS.length; k++) {
        int n = UNION_NS[k];
        int[][] overlap = overlappingHours(n, random);
        Object[] building = new Object[HOURS];
        for (int h = 0; h < HOURS; h++) {
          building[h] = c.newSketch();
        }
        for (int i = 0; i < n; i++) {
          for (int h : overlap[i]) {
            c.update(building[h], items[i]);
          }
        }
        List<byte[]> images = new ArrayList<>();
        for (Object b : building) {
          byte[] image = c.encode(c.stored(b));
          images.add(image);
          bytes[k] += image.length;
        }
        bytes[k] /= HOURS;
        List<Object> decoded = new ArrayList<>();
        images.forEach(i -> decoded.add(c.decode(i)));
        // Rounds of enough unions to take ~20 ms or more each; the median round.
        int perRound = n >= 100_000 ? 20 : 200;
        double[] dRounds = new double[reps];
        double[] mRounds = new double[reps];
        double sink = 0;
        for (int r = -1; r < reps; r++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < perRound; i++) {
            for (byte[] image : images) {
              sink += c.decode(image).hashCode();
            }
          }
          long t1 = System.nanoTime();
          for (int i = 0; i < perRound; i++) {
            sink += c.estimate(c.union(decoded));
          }
          long t2 = System.nanoTime();
          if (r >= 0) {
            dRounds[r] = (t1 - t0) / 1e3 / perRound;
            mRounds[r] = (t2 - t1) / 1e3 / perRound;
          }
        }
        if (sink == 42) {
          System.out.print("");
        }
        Arrays.sort(dRounds);
        Arrays.sort(mRounds);
        decode[k] = dRounds[reps / 2];
        merge[k] = mRounds[reps / 2];
      }
      out.add(new Timing(c.name, runs[reps / 2], runs[0], small[reps / 2], small[0], UNION_NS.clone(), bytes, decode,
          merge,
          heapPerSketch(c, items, 1), heapPerSketch(c, items, 10)));
      System.out.printf(Locale.ROOT, "timed %s (load %s)%n", c.name, BenchMain.loadAverage());
    }
    return out;
  }

  /** Rough heap bytes of one sketch holding {@code values} values: 100,000 of them, used heap after GC. */
  static double heapPerSketch(Candidate c, byte[][] items, int values) {
    int count = 100_000;
    long before = usedHeap();
    Object[] keep = new Object[count];
    for (int i = 0; i < count; i++) {
      Object s = c.newSketch();
      for (int v = 0; v < values; v++) {
        c.update(s, items[(i * values + v) % items.length]);
      }
      keep[i] = s;
    }
    long after = usedHeap();
    if (keep[count - 1] == null) {
      throw new IllegalStateException();
    }
    return (double) (after - before) / count;
  }

  static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  static String timingMarkdown(List<Timing> timings) {
    StringBuilder s = new StringBuilder();
    s.append("## Timings\n\n");
    s.append("One thread; ").append(String.format(Locale.ROOT, "%,d", UPDATES)).append(" random UUIDs (36 bytes) ")
        .append("updated into one new sketch, and into 1,000 new sketches of 1,000 values each (median and fastest of ")
        .append("the runs after a warm-up; past 2,048 values the exact front updates its HLL part only, within them ")
        .append("both parts); a day of n distinct ")
        .append("values over 24 overlapping hourly sketches: mean stored bytes of an hourly sketch, time to decode the ")
        .append("24 stored images, and to merge the 24 decoded sketches and read the estimate (what a report does ")
        .append("per group and count; medians of rounds); heap of one sketch holding 1 (10) values, roughly (100,000 ")
        .append("sketches, used heap after GC; what the Spark job's aggregator holds per bucket and count). ")
        .append("Load average at the end of the timings: ").append(BenchMain.loadAverage()).append(".\n\n");
    s.append("| candidate | 1M updates, one sketch: ms (median / min) | 1M updates, 1,000 sketches: ms (median / min) |");
    for (int n : UNION_NS) {
      s.append(String.format(Locale.ROOT, " n=%,d: hourly bytes | decode 24 µs | merge 24 µs |", n));
    }
    s.append(" heap B, 1 value | heap B, 10 values |\n|---|---:|---:|");
    for (int n : UNION_NS) {
      s.append("---:|---:|---:|");
    }
    s.append("---:|---:|\n");
    for (Timing t : timings) {
      s.append("| ").append(t.name()).append(String.format(Locale.ROOT, " | %.0f / %.0f | %.0f / %.0f |",
          t.updatesMsMedian(), t.updatesMsMin(), t.smallUpdatesMsMedian(), t.smallUpdatesMsMin()));
      for (int i = 0; i < t.ns().length; i++) {
        s.append(String.format(Locale.ROOT, " %d | %.0f | %.0f |", t.bytes()[i], t.decodeUs()[i], t.mergeUs()[i]));
      }
      s.append(String.format(Locale.ROOT, " %.0f | %.0f |%n", t.heapBytes1(), t.heapBytes10()));
    }
    return s.append('\n').toString();
  }

  static long cpuNanos() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    return mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : 0;
  }

  // ---- reading the cells

  /** The largest n of {@link #NS} up to which every trial of every mode was exact (0: not even the first). */
  static int exactUpTo(Cell[][] cells) {
    int upTo = 0;
    for (int i = 0; i < NS.length; i++) {
      for (Cell cell : cells[i]) {
        if (cell.exact != cell.trials) {
          return upTo;
        }
      }
      upTo = NS[i];
    }
    return upTo;
  }

  /** The worst (over n above the exact range, and modes) 95th-percentile relative error. */
  static double worstP95Above(Cell[][] cells, int exactUpTo) {
    double worst = 0;
    for (int i = 0; i < NS.length; i++) {
      if (NS[i] <= exactUpTo) {
        continue;
      }
      for (Cell cell : cells[i]) {
        worst = Math.max(worst, cell.p95());
      }
    }
    return worst;
  }

  /** 95th percentile of the relative errors of every trial with n >= {@code from} in {@code mode}, pooled. */
  static double pooledP95(Cell[][] cells, int from, int mode) {
    List<Double> all = new ArrayList<>();
    for (int i = 0; i < NS.length; i++) {
      if (NS[i] >= from) {
        for (double e : cells[i][mode].sorted()) {
          all.add(e);
        }
      }
    }
    all.sort(null);
    return all.isEmpty() ? Double.NaN : all.get(Math.max(0, (int) Math.ceil(0.95 * all.size()) - 1));
  }

  static int index(int n) {
    for (int i = 0; i < NS.length; i++) {
      if (NS[i] == n) {
        return i;
      }
    }
    throw new IllegalArgumentException("no n " + n);
  }

  /** Meets the requirement: exact up to at least 1,000, and every p95 above within 1%. */
  static boolean meets(Cell[][] cells) {
    int upTo = exactUpTo(cells);
    return upTo >= 1_000 && worstP95Above(cells, upTo) <= 0.01;
  }

  static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f%%", 100 * v);
  }

  static String rate(double v) {
    return Double.isNaN(v) ? "-" : v == 1.0 ? "100%" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
  }

  static String summaryTable(List<Candidate> candidates, Cell[][][] cells, int[] trials) {
    StringBuilder s = new StringBuilder();
    s.append("| candidate | exact up to (all trials, all modes) | exact-match at n=1,000 (single / disjoint / overlap)"
        + " | worst p95 above the exact range | pooled p95 n>=10,000 (single / union overlap) | worst max above"
        + " | bytes n=10 | bytes n=1,000 | bytes n=100,000 | bytes n=1,000,000 | update ns/item | meets |\n");
    s.append("|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (int c = 0; c < candidates.size(); c++) {
      Candidate cand = candidates.get(c);
      Cell[][] k = cells[c];
      int upTo = exactUpTo(k);
      double worstMax = 0;
      for (int i = 0; i < NS.length; i++) {
        if (NS[i] > upTo) {
          for (Cell cell : k[i]) {
            worstMax = Math.max(worstMax, cell.max());
          }
        }
      }
      Cell[] at1000 = k[index(1_000)];
      s.append("| ").append(cand.name)
          .append(cand.name.equals(BEFORE) ? " (before)" : cand.name.equals("HLL_8 lgK 14") ? " (former)" : "")
          .append(" | ").append(String.format(Locale.ROOT, "%,d", upTo))
          .append(" | ").append(rate(at1000[0].exactRate())).append(" / ").append(rate(at1000[1].exactRate()))
          .append(" / ").append(rate(at1000[2].exactRate()))
          .append(" | ").append(pct(worstP95Above(k, upTo)))
          .append(" | ").append(pct(pooledP95(k, 10_000, 0))).append(" / ").append(pct(pooledP95(k, 10_000, 2)))
          .append(" | ").append(pct(worstMax))
          .append(" | ").append(k[index(10)][0].meanBytes())
          .append(" | ").append(k[index(1_000)][0].meanBytes())
          .append(" | ").append(k[index(100_000)][0].meanBytes())
          .append(" | ").append(k[index(1_000_000)][0].meanBytes())
          .append(" | ").append(String.format(Locale.ROOT, "%.0f", (double) cand.updateNanos / cand.updates))
          .append(" | ").append(meets(k) ? "**yes**" : "no").append(" |\n");
    }
    return s.toString();
  }

  static String markdown(List<Candidate> candidates, Cell[][][] cells, int[] trials, long seed, double scale,
                         String loadStart, String loadEnd, Instant started, long cpuNanos, String only) {
    StringBuilder s = new StringBuilder();
    s.append("# Distinct-count sketches: accuracy and stored size (")
        .append(LocalDate.ofInstant(started, ZoneOffset.UTC)).append(")\n\n");
    s.append("Written by `bin/bench-sketches` (`io.beacon.bench.SketchBenchmark`, beacon-devstack's tests), ")
        .append("commit ").append(System.getProperty("bench.commit", "unknown")).append(".\n\n");
    s.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(cpuModel()).append("; load average (/proc/loadavg 1/5/15 min) at start ").append(loadStart)
        .append(", at end ").append(loadEnd).append('\n');
    s.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version", System.getProperty("java.version")))
        .append(" (").append(System.getProperty("java.vendor")).append("), max heap ")
        .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MB; DataSketches ")
        .append(dataSketchesVersion()).append('\n');
    s.append(String.format(Locale.ROOT, "- run: seed %d, scale %s, %.0f s CPU of one thread (accuracy part), started %s%s%n",
        seed, scale, cpuNanos / 1e9, started, only.isBlank() ? "" : "; candidates: " + only));
    s.append("- items: random version-4 UUID strings (36 ASCII characters), distinct; the true count is n.\n");
    s.append("- modes: **single** = one sketch updated with the n items; **union24 disjoint** = 24 hourly sketches, ")
        .append("hour h holding items [h n/24, (h+1) n/24), merged by the family's union (as a report merges rows); ")
        .append("**union24 overlapping** = each item in its home hour and in 0 to 3 further random hours (about 2.5 ")
        .append("updates per item), merged the same way.\n");
    s.append("- exact = `Math.round(estimate) == n` (what `MetricState.users()` returns); errors are |estimate - n| / n; ")
        .append("p95 is the 95th percentile (nearest rank) over the trials; bytes = mean size of the serialized ")
        .append("compact image (HLL `toCompactByteArray`, CPC `toByteArray`, Theta compact ordered `toByteArray`; ")
        .append("Theta's `toByteArrayCompressed` in parentheses; the exact front's `DistinctCount.toBytes()` envelope, ")
        .append("its estimates read back from it), i.e. what one `agg_buckets` sketch column holds.\n");
    s.append("- trials per n: ");
    for (int i = 0; i < NS.length; i++) {
      s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,d: %d", NS[i], trials[i]));
    }
    s.append(". A p95 from fewer than 100 trials is a rough figure; the pooled column pools every trial with ")
        .append("n >= 10,000 (the relative error of these sketches hardly depends on n there).\n\n");
    s.append("Requirement (docs/analytics-model.md, issue \"Numbers that mean what GA4's mean\" item 3): exact up to ")
        .append("at least 1,000 distinct values per row, within 1% (95%) above, mergeable. \"meets\" = every trial ")
        .append("exact in every mode for every n <= 1,000, and every per-n p95 above the exact range <= 1%.\n\n");
    s.append("## Summary\n\n");
    s.append(summaryTable(candidates, cells, trials)).append('\n');
    s.append("\"exact up to\" is the largest n of the set ").append(Arrays.toString(NS))
        .append(" up to which every trial was exact; the sketch may stay exact a little further.\n\n");
    s.append("## Per candidate\n\n");
    for (int c = 0; c < candidates.size(); c++) {
      Candidate cand = candidates.get(c);
      s.append("### ").append(cand.name).append("\n\n");
      s.append("| n | trials | single exact | single p95 | single max | disjoint exact | disjoint p95 | disjoint max "
          + "| overlap exact | overlap p95 | overlap max | bytes single | bytes union |\n");
      s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (int i = 0; i < NS.length; i++) {
        Cell[] k = cells[c][i];
        s.append(String.format(Locale.ROOT, "| %,d | %d", NS[i], k[0].trials));
        for (Cell cell : k) {
          s.append(" | ").append(rate(cell.exactRate())).append(" | ").append(pct(cell.p95())).append(" | ")
              .append(pct(cell.max()));
        }
        s.append(" | ").append(bytes(k[0])).append(" | ").append(bytes(k[2])).append(" |\n");
      }
      s.append('\n');
    }
    return s.toString();
  }

  static String bytes(Cell cell) {
    return cell.meanAltBytes() > 0 ? cell.meanBytes() + " (" + cell.meanAltBytes() + ")" : String.valueOf(cell.meanBytes());
  }

  static JsonObject json(List<Candidate> candidates, Cell[][][] cells, int[] trials, String loadStart, String loadEnd,
                         long cpuNanos) {
    JsonArray list = new JsonArray();
    for (int c = 0; c < candidates.size(); c++) {
      Candidate cand = candidates.get(c);
      JsonArray perN = new JsonArray();
      for (int i = 0; i < NS.length; i++) {
        JsonObject row = new JsonObject().put("n", NS[i]).put("trials", trials[i]);
        for (int m = 0; m < MODES.length; m++) {
          Cell cell = cells[c][i][m];
          row.put(MODES[m], new JsonObject().put("exactRate", cell.exactRate()).put("p95RelativeError", cell.p95())
              .put("maxRelativeError", cell.max()).put("meanBytes", cell.meanBytes()));
        }
        perN.add(row);
      }
      int upTo = exactUpTo(cells[c]);
      list.add(new JsonObject().put("name", cand.name).put("family", cand.family).put("lgK", cand.lgK)
          .put("exactUpTo", upTo).put("worstP95Above", worstP95Above(cells[c], upTo))
          .put("meets", meets(cells[c])).put("updateNanosPerItem", (double) cand.updateNanos / cand.updates)
          .put("perN", perN));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loadAverageAtStart", loadStart);
    m.put("loadAverageAtEnd", loadEnd);
    m.put("cpuSeconds", cpuNanos / 1e9);
    m.put("java", System.getProperty("java.runtime.version", System.getProperty("java.version")));
    m.put("candidates", list);
    return new JsonObject(m);
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux
    }
    return "cpu unknown";
  }

  static String dataSketchesVersion() {
    // The jar's file name carries the version (the manifest may not).
    try {
      String path = HllSketch.class.getProtectionDomain().getCodeSource().getLocation().getPath();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("datasketches-java-([^/]+)\\.jar").matcher(path);
      if (m.find()) {
        return m.group(1);
      }
    } catch (RuntimeException e) {
      // unknown
    }
    String v = HllSketch.class.getPackage().getImplementationVersion();
    return v == null ? "?" : v;
  }

  private SketchBenchmark() {}
}
