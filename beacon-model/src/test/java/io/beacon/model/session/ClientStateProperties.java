package io.beacon.model.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.model.session.ClientState.Count;
import io.beacon.model.session.ClientState.Dirty;
import io.beacon.model.session.ClientState.Output;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link ClientState} against {@link Sessions#scope} over all of a client's events (what recompute computes from
 * raw hits), for generated clients and arrival schedules: micro-batches at a modelled processing-time clock,
 * {@code settle} after every batch (as the Spark function calls it) and at extra times, {@code expire} with the
 * production retention, a final settle; optionally through {@code toBytes}/{@code fromBytes} before every step.
 */
class ClientStateProperties {
  static final long SEC = 1_000;
  static final long MIN = 60 * SEC;
  static final long HOUR = 60 * MIN;
  static final long DAY = 24 * HOUR;
  /** An hour before a UTC midnight, so sessions cross it. */
  static final long T0 = ClientStateTest.MIDNIGHT - HOUR;
  /** Processing time starts after every event time (arrival is never before the event). */
  static final long A0 = T0 + 60 * DAY;
  static final long SETTLE = 60 * SEC;
  static final SessionRules RULES = SessionRules.GA4;

  /** Event-time gaps: ties, within a session, at and around the 30-minute timeout, across days. */
  static final long[] EVENT_GAPS = {0, SEC, 20 * SEC, 5 * MIN, 29 * MIN, 30 * MIN, 31 * MIN, 2 * HOUR, 23 * HOUR};
  static final String[] SIDS = {null, "s1", "s2", "s3"};
  static final String[] EVENTS = {"page_view", "scroll", "user_engagement", "click"};
  static final Long[] ENGAGEMENT = {null, 0L, 4_000L, 7_000L};
  static final String[][] SOURCES = {{"google", "organic", null}, {"(direct)", "(none)", null},
      {"news", "email", "nov"}};
  static final String[] PATHS = {"/", "/a?x=1", "/b", null};

  /**
   * One generated event ({@code key}: 0 a key event, 7 a hit received more than 72 h after its time; {@code ua}:
   * 0 an MP hit, 1 a UA hit, 2 a UA non-interaction hit, {@code ni=1}).
   */
  record Gene(int gap, int sid, int event, int engagement, int key, int ua, int source, int path) {}

  /** One step of an arrival schedule (per event in arrival order; its batch, the clock, extra settles). */
  record Step(int order, boolean newBatch, int gap, int settle) {}

  @Provide
  Arbitrary<List<Gene>> clients() {
    return Combinators.combine(Arbitraries.integers().between(0, EVENT_GAPS.length - 1),
            // Beacon sessions (no sender id) half the time: they merge.
            Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(3, Arbitraries.integers().between(1,
                SIDS.length - 1))), Arbitraries.integers().between(0, EVENTS.length - 1),
            Arbitraries.integers().between(0, ENGAGEMENT.length - 1), Arbitraries.integers().between(0, 7),
            Arbitraries.of(0, 0, 0, 0, 0, 0, 1, 2), Arbitraries.integers().between(0, SOURCES.length - 1),
            Arbitraries.integers().between(0, PATHS.length - 1))
        .as(Gene::new).list().ofMinSize(1).ofMaxSize(18);
  }

  @Provide
  Arbitrary<List<Step>> schedules() {
    return Combinators.combine(Arbitraries.integers().between(0, 1_000), Arbitraries.of(true, false),
            Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 4))
        .as(Step::new).list().ofMinSize(18).ofMaxSize(18);
  }

  @Provide
  Arbitrary<Integer> histories() {
    return Arbitraries.integers().between(0, 3);
  }

  // ---------------------------------------------------------------------------------------------------------

  @Property(tries = 400)
  void inEventTimeOrderTheStreamCountsExactlyWhatRecomputeCountsAndDirtiesNothing(
      @ForAll("clients") List<Gene> client, @ForAll("schedules") List<Step> schedule,
      @ForAll("histories") int historyKind) {
    List<Hit> hits = hits(client);
    // A client known from before: nothing, an earlier first visit, or one at the same time as the first event.
    ClientHistory history = historyKind == 3 ? ClientHistory.NONE : history(historyKind, hits);
    List<Hit> ordered = new ArrayList<>(hits);
    ordered.sort(Sessions.EVENT_ORDER);
    List<Op> ops = inOrderSchedule(ordered, schedule);
    List<Output> out = run(history, ops, false);

    assertThat(out).noneMatch(o -> o instanceof Dirty);
    assertThat(countsInOrder(out)).isEqualTo(truth(hits, history));
  }

  @Property(tries = 600)
  void inAnyOrderEveryDayTheStreamCountsWrongIsDirty(@ForAll("clients") List<Gene> client,
      @ForAll("schedules") List<Step> schedule, @ForAll("histories") int historyKind) {
    List<Hit> hits = hits(client, true);
    ClientHistory history = history(historyKind, hits);
    List<Output> out = run(history, anySchedule(hits, schedule), false);
    Statistics.label("dirty days").collect(out.stream().filter(o -> o instanceof Dirty)
        .map(o -> Math.floorDiv(((Dirty) o).eventTs(), DAY)).distinct().count());

    // Every event is counted exactly once, but those too late for the stream, never.
    List<Hit> counted = out.stream().filter(o -> o instanceof Count).map(o -> ((Count) o).hit()).toList();
    assertThat(counted).containsExactlyInAnyOrderElementsOf(hits.stream().filter(h -> !tooLate(h)).toList());
    // Per UTC day: what the stream counted equals the truth, or the day is dirty.
    Map<Long, Set<Sessions.Scoped>> streamed = byDay(out.stream().filter(o -> o instanceof Count)
        .map(o -> new Sessions.Scoped(((Count) o).hit(), ((Count) o).scope())).toList());
    Map<Long, Set<Sessions.Scoped>> truth = byDay(Sessions.scope(hits, history, RULES));
    Set<Long> dirty = new TreeSet<>();
    out.stream().filter(o -> o instanceof Dirty).forEach(o -> dirty.add(Math.floorDiv(((Dirty) o).eventTs(), DAY)));
    Set<Long> days = new TreeSet<>(truth.keySet());
    days.addAll(streamed.keySet());
    for (long day : days) {
      if (!dirty.contains(day)) {
        assertThat(streamed.getOrDefault(day, Set.of())).as("day %d (dirty: %s)", day, dirty)
            .isEqualTo(truth.getOrDefault(day, Set.of()));
      }
    }
  }

  @Property(tries = 300)
  void theBinaryFormBetweenEveryTwoStepsChangesNoOutput(@ForAll("clients") List<Gene> client,
      @ForAll("schedules") List<Step> schedule, @ForAll("histories") int historyKind) {
    List<Hit> hits = hits(client, true);
    ClientHistory history = history(historyKind, hits);
    List<Op> ops = anySchedule(hits, schedule);
    assertThat(run(history, ops, true)).isEqualTo(run(history, ops, false));
  }

  // ---------------------------------------------------------------------------------------------------------

  /** A batch of events at processing time {@code now} (hits non-empty), or a timeout (hits empty). */
  record Op(long now, List<Hit> hits) {}

  /**
   * Runs {@code ops}: each batch is {@code add} then {@code settle} at its time (the Spark function), each timeout
   * {@code settle} and {@code expire}; then a final settle once everything is quiet.
   */
  static List<Output> run(ClientHistory history, List<Op> ops, boolean throughBytes) {
    ClientState st = new ClientState(history);
    List<Output> out = new ArrayList<>();
    long last = A0;
    for (Op op : ops) {
      if (throughBytes) {
        byte[] bytes = st.toBytes();
        st = ClientState.fromBytes(bytes);
        assertThat(st.toBytes()).isEqualTo(bytes);
      }
      if (!op.hits().isEmpty()) {
        out.addAll(st.add(op.hits(), op.now(), RULES));
      }
      List<Output> settled = st.settle(op.now(), SETTLE, RULES);
      assertThat(settled).allMatch(o -> o instanceof Count);
      out.addAll(settled);
      st.expire(op.now(), ClientState.DEFAULT_RETENTION_MS);
      last = op.now();
    }
    long end = last + SETTLE;
    assertThat(st.nextTimeoutMs(SETTLE, ClientState.DEFAULT_RETENTION_MS, ClientState.DEFAULT_MEMORY_MS, RULES))
        .isLessThanOrEqualTo(st.openEvents() > 0 ? end : Long.MAX_VALUE);
    if (throughBytes) {
      st = ClientState.fromBytes(st.toBytes());
    }
    out.addAll(st.settle(end, SETTLE, RULES));
    assertThat(st.openEvents()).isZero();
    return out;
  }

  /**
   * Events in event-time order; within a session (of the truth) consecutive arrivals less than {@link #SETTLE}
   * apart, between sessions any gap; extra timeouts anywhere in between.
   */
  static List<Op> inOrderSchedule(List<Hit> ordered, List<Step> schedule) {
    Map<Hit, Integer> sessionOf = new HashMap<>();
    List<Sessions.Session> sessions = Sessions.sessions(ordered, RULES);
    for (int i = 0; i < sessions.size(); i++) {
      for (Hit h : sessions.get(i).hits()) {
        sessionOf.put(h, i);
      }
    }
    // The last index of each session: a cut before i is allowed when no session runs across it.
    Map<Integer, Integer> lastIndex = new HashMap<>();
    for (int i = 0; i < ordered.size(); i++) {
      lastIndex.put(sessionOf.get(ordered.get(i)), i);
    }
    long[] small = {1, 200, SEC, SETTLE / 2, SETTLE - 1};
    long[] big = {SETTLE, 3 * SETTLE, HOUR, 30 * HOUR};
    List<Op> ops = new ArrayList<>();
    long now = A0;
    List<Hit> batch = new ArrayList<>();
    Map<Integer, Long> lastArrival = new HashMap<>(); // per session begun, its latest arrival
    int openUntil = -1;
    for (int i = 0; i < ordered.size(); i++) {
      Step step = schedule.get(i % schedule.size());
      boolean cut = openUntil < i;
      if (i > 0 && (step.newBatch() || cut && step.gap() >= 3)) {
        long gap = cut && step.gap() >= 3 ? big[step.gap() % big.length] : small[step.gap() % small.length];
        // No session still running may wait SETTLE for its next event.
        long next = now + gap;
        for (Map.Entry<Integer, Long> e : lastArrival.entrySet()) {
          if (lastIndex.get(e.getKey()) >= i) {
            next = Math.min(next, e.getValue() + SETTLE - 1);
          }
        }
        if (next > now) {
          ops.add(new Op(now, List.copyOf(batch)));
          batch.clear();
          if (cut && step.settle() > 0 && gap > SETTLE) {
            ops.add(new Op(now + SETTLE + step.settle() - 1, List.of())); // a timeout inside the quiet gap
          } else if (step.settle() == 4 && next - now >= 2) {
            ops.add(new Op(now + (next - now) / 2, List.of())); // a timeout on the clock, nothing ready
          }
          now = next;
        }
      }
      batch.add(ordered.get(i));
      lastArrival.put(sessionOf.get(ordered.get(i)), now);
      openUntil = Math.max(openUntil, lastIndex.get(sessionOf.get(ordered.get(i))));
    }
    ops.add(new Op(now, List.copyOf(batch)));
    return ops;
  }

  /** Events in any order, any batches, gaps and timeouts. */
  static List<Op> anySchedule(List<Hit> hits, List<Step> schedule) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      idx.add(i);
    }
    idx.sort(Comparator.comparingInt((Integer i) -> schedule.get(i % schedule.size()).order()).thenComparing(i -> i));
    long[] gaps = {1, SEC, SETTLE - 1, SETTLE, 5 * SETTLE, 2 * HOUR};
    List<Op> ops = new ArrayList<>();
    long now = A0;
    List<Hit> batch = new ArrayList<>();
    for (int k = 0; k < idx.size(); k++) {
      Step step = schedule.get(k % schedule.size());
      if (k > 0 && step.newBatch()) {
        ops.add(new Op(now, List.copyOf(batch)));
        batch.clear();
        long gap = gaps[step.gap()];
        if (step.settle() > 0 && gap > 2) {
          ops.add(new Op(now + gap * step.settle() / 5, List.of()));
        }
        now += gap;
      }
      batch.add(hits.get(idx.get(k)));
    }
    ops.add(new Op(now, List.copyOf(batch)));
    return ops;
  }

  static List<Hit> hits(List<Gene> genes) {
    return hits(genes, false);
  }

  /** The client's events; with {@code lateOnes}, some too late for the stream ({@link #tooLate}). */
  static List<Hit> hits(List<Gene> genes, boolean lateOnes) {
    List<Hit> hits = new ArrayList<>();
    long ts = T0;
    for (int i = 0; i < genes.size(); i++) {
      Gene g = genes.get(i);
      ts += EVENT_GAPS[g.gap()];
      String[] src = SOURCES[g.source()];
      hits.add(Hit.builder().propertyId("P").clientId("c").requestId(String.format("r%02d", i))
          .sessionId(SIDS[g.sid()]).ts(ts).eventName(EVENTS[g.event()])
          .receivedAt(g.key() == 7 && lateOnes ? ts + 73 * HOUR : ts)
          .engagementMs(ENGAGEMENT[g.engagement()]).keyEvent(g.key() == 0 ? Boolean.TRUE : null)
          .protocol(g.ua() > 0 ? "ua" : "ga4-mp").nonInteraction(g.ua() == 2 ? Boolean.TRUE : null)
          .deviceModel(g.ua() == 0 && g.path() % 2 == 0 ? "Pixel 8" : null)
          .deviceBrand(g.ua() == 0 && g.path() % 3 == 0 ? "Google" : null)
          .source(src[0]).medium(src[1]).campaign(src[2])
          .pagePath(PATHS[g.path()]).build());
    }
    return hits;
  }

  /** 0: nothing known; 1: known from a day before; 2: at the first event's time; 3: an hour into the events. */
  static ClientHistory history(int kind, List<Hit> hits) {
    long first = hits.stream().mapToLong(Hit::ts).min().orElseThrow();
    return switch (kind) {
      case 1 -> new ClientHistory(first - DAY, "bing", "organic", null);
      case 2 -> new ClientHistory(first, "bing", "organic", null);
      case 3 -> new ClientHistory(first + HOUR, "google", "organic", null);
      default -> ClientHistory.NONE;
    };
  }

  static boolean tooLate(Hit h) {
    return h.receivedAt() - h.ts() > 72 * HOUR;
  }

  static List<Sessions.Scoped> truth(List<Hit> hits, ClientHistory history) {
    return Sessions.scope(hits, history, RULES);
  }

  static List<Sessions.Scoped> countsInOrder(List<Output> out) {
    List<Sessions.Scoped> counted = new ArrayList<>();
    for (Output o : out) {
      if (o instanceof Count c) {
        counted.add(new Sessions.Scoped(c.hit(), c.scope()));
      }
    }
    counted.sort(Comparator.comparing(Sessions.Scoped::hit, Sessions.EVENT_ORDER));
    return counted;
  }

  static Map<Long, Set<Sessions.Scoped>> byDay(List<Sessions.Scoped> scoped) {
    Map<Long, Set<Sessions.Scoped>> days = new TreeMap<>();
    for (Sessions.Scoped s : scoped) {
      days.computeIfAbsent(Math.floorDiv(s.hit().ts(), DAY), d -> new HashSet<>()).add(s);
    }
    return days;
  }
}
