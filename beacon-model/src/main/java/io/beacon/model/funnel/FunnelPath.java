package io.beacon.model.funnel;

import io.beacon.model.Hit;
import io.beacon.model.report.EventFields;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.Scope;
import io.beacon.model.session.SessionRules;
import io.beacon.model.session.Sessions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Which steps of a {@link Funnel} one person reached, and when (docs/analytics-model.md, "Funnels"). A pure
 * function of the person's hits of the date range, whatever order they arrived in: bots are dropped, the rest are
 * put in event order (event time, then request id) and given their sessions by the model's {@link Sessions}.
 *
 * <p>A <b>pass</b> is a sequence of events e_j, e_j+1, ..., e_k, one per step from an entry step j (the first step
 * in a closed funnel, any step in an open one), each later in event order than the one before, each matching its
 * step's condition, each step's event the very next event after the prior one's if the step is directly followed,
 * within the step's duration of the prior one's if it has one, all in one session ({@link Funnel.Scope#SESSION}) or
 * each within N days of e_j ({@link Funnel.Scope#DAYS}). The person <i>reached</i> step k if a pass ends at step k,
 * and <i>continued</i> from k if a pass goes from step k to step k + 1.
 *
 * <p>Cost: linear in the person's events per step (a sliding maximum over the prior step's matches), so a person
 * with very many events is no worse than many persons.
 */
public final class FunnelPath {
  private final Funnel funnel;
  private final SessionRules rules;
  private final List<String> fields;
  private final List<BiFunction<Hit, Scope, String>> readers;

  public FunnelPath(Funnel funnel, SessionRules rules, String breakdown) {
    this.funnel = funnel;
    this.rules = rules;
    List<String> f = new ArrayList<>(funnel.fields());
    if (breakdown != null && !f.contains(breakdown)) {
      f.add(breakdown);
    }
    this.fields = List.copyOf(f);
    this.readers = fields.stream().map(FunnelPath::reader).toList();
  }

  /**
   * One person's outcome.
   *
   * @param reachedAt  per step, the event time of the earliest event that ends a pass at it; -1 if not reached
   * @param continued  per step, whether a pass goes on from it to the next step (the last step: false)
   * @param gapMs      per step but the first, for the earliest event that ends a pass through the prior step at it, the
   *                   shortest time from the prior step's event of such a pass; -1 if none
   * @param breakdownValue the breakdown dimension's value at the person's first event of the first step they
   *                   reached (null without a breakdown or if no step was reached)
   */
  public record Result(long[] reachedAt, boolean[] continued, long[] gapMs, String breakdownValue) {
    public boolean reached(int step) {
      return reachedAt[step] >= 0;
    }

    public boolean any() {
      for (long t : reachedAt) {
        if (t >= 0) {
          return true;
        }
      }
      return false;
    }
  }

  /** The outcome of one person's hits of the range (any order, bots included: they are dropped). */
  public Result evaluate(List<Hit> personHits, String breakdown) {
    List<Hit> hits = new ArrayList<>(personHits.size());
    for (Hit h : personHits) {
      if (!Boolean.TRUE.equals(h.isBot())) {
        hits.add(h);
      }
    }
    int steps = funnel.steps().size();
    long[] reachedAt = new long[steps];
    long[] gap = new long[steps];
    int[] reachedIdx = new int[steps];
    int[] gapIdx = new int[steps];
    Arrays.fill(reachedAt, -1);
    Arrays.fill(gap, -1);
    Arrays.fill(reachedIdx, Integer.MAX_VALUE);
    Arrays.fill(gapIdx, Integer.MAX_VALUE);
    boolean[] continued = new boolean[steps];
    if (hits.isEmpty()) {
      return new Result(reachedAt, continued, gap, null);
    }
    List<Sessions.Scoped> events = Sessions.scope(hits, ClientHistory.NONE, rules);
    int n = events.size();
    long[] ts = new long[n];
    boolean[][] match = new boolean[steps][n];
    List<Map<String, String>> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Sessions.Scoped e = events.get(i);
      ts[i] = e.hit().ts();
      Map<String, String> v = new HashMap<>(fields.size() * 2);
      for (int f = 0; f < fields.size(); f++) {
        v.put(fields.get(f), readers.get(f).apply(e.hit(), e.scope()));
      }
      values.add(v);
      for (int s = 0; s < steps; s++) {
        match[s][i] = funnel.steps().get(s).condition().matches(v);
      }
    }
    // The partitions a pass must stay within: each session, or all the person's events.
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String key = funnel.scope() == Funnel.Scope.SESSION ? events.get(i).scope().sessionId() : "";
      parts.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    for (List<Integer> part : parts.values()) {
      passes(part, ts, match, reachedIdx, continued, gapIdx, gap);
    }
    String value = null;
    for (int s = 0; s < steps; s++) {
      if (reachedIdx[s] != Integer.MAX_VALUE) {
        reachedAt[s] = ts[reachedIdx[s]];
      }
    }
    if (breakdown != null) {
      for (int s = 0; s < steps && value == null; s++) {
        if (reachedIdx[s] != Integer.MAX_VALUE) {
          value = values.get(reachedIdx[s]).get(breakdown);
        }
      }
    }
    return new Result(reachedAt, continued, gap, value);
  }

  /**
   * The passes within one partition ({@code part}: indices into the person's events, in event order), merged into
   * the person's outcome: the earliest index reaching each step, whether any pass continues from it, and the gap
   * of the earliest index reached through the prior step.
   */
  private void passes(List<Integer> part, long[] ts, boolean[][] match, int[] reachedIdx, boolean[] continued,
      int[] gapIdx, long[] gap) {
    int m = part.size();
    int steps = funnel.steps().size();
    long window = funnel.windowMs();
    // entry[p]: the latest entry time of a pass ending at position p at the previous step (MIN_VALUE: none).
    long[] prev = new long[m];
    Arrays.fill(prev, Long.MIN_VALUE);
    for (int p = 0; p < m; p++) {
      if (match[0][part.get(p)]) {
        prev[p] = ts[part.get(p)];
        reachedIdx[0] = Math.min(reachedIdx[0], part.get(p));
      }
    }
    for (int s = 1; s < steps; s++) {
      FunnelStep step = funnel.steps().get(s);
      long[] cur = new long[m];
      Arrays.fill(cur, Long.MIN_VALUE);
      // Sliding maximum of prev[] over positions q < p with ts[q] >= ts[p] - within (a deque of positions whose
      // entries decrease from the front).
      ArrayDeque<Integer> deque = new ArrayDeque<>();
      int next = 0;
      boolean gapDone = false;
      for (int p = 0; p < m; p++) {
        int i = part.get(p);
        long t = ts[i];
        long chainEntry = Long.MIN_VALUE;
        if (step.directlyFollowed()) {
          if (p > 0 && prev[p - 1] != Long.MIN_VALUE && (step.withinMs() < 0 || t - ts[part.get(p - 1)] <= step.withinMs())) {
            chainEntry = prev[p - 1];
          }
        } else {
          for (; next < p; next++) {
            if (prev[next] != Long.MIN_VALUE) {
              while (!deque.isEmpty() && prev[deque.peekLast()] <= prev[next]) {
                deque.pollLast();
              }
              deque.addLast(next);
            }
          }
          if (step.withinMs() >= 0) {
            while (!deque.isEmpty() && t - ts[part.get(deque.peekFirst())] > step.withinMs()) {
              deque.pollFirst();
            }
          }
          if (!deque.isEmpty()) {
            chainEntry = prev[deque.peekFirst()];
          }
        }
        if (!match[s][i]) {
          continue;
        }
        boolean chained = chainEntry != Long.MIN_VALUE && (window == Long.MAX_VALUE || t - chainEntry <= window);
        if (chained) {
          continued[s - 1] = true;
          if (!gapDone) {
            gapDone = true;
            if (i < gapIdx[s]) {
              gapIdx[s] = i;
              gap[s] = t - latestPrior(part, p, s, ts, prev, step, window);
            }
          }
        }
        if (chained || funnel.open()) {
          cur[p] = funnel.open() ? t : chainEntry;
          reachedIdx[s] = Math.min(reachedIdx[s], i);
        }
      }
      prev = cur;
    }
  }

  /** The time of the latest prior-step position before {@code p} that a pass can go on from to {@code p}. */
  private static long latestPrior(List<Integer> part, int p, int s, long[] ts, long[] prev, FunnelStep step,
      long window) {
    long t = ts[part.get(p)];
    for (int q = p - 1; q >= 0; q--) {
      if (step.directlyFollowed() && q != p - 1) {
        break;
      }
      long tq = ts[part.get(q)];
      if (step.withinMs() >= 0 && t - tq > step.withinMs()) {
        break;
      }
      if (prev[q] != Long.MIN_VALUE && (window == Long.MAX_VALUE || t - prev[q] <= window)) {
        return tq;
      }
    }
    throw new IllegalStateException("a chained step without a prior step");
  }

  /** How a condition or breakdown field is read from an event (shared with cohorts: {@link EventFields}). */
  static BiFunction<Hit, Scope, String> reader(String name) {
    return EventFields.reader(name);
  }
}
