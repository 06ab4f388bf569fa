package io.beacon.model.path;

import io.beacon.model.report.InvalidRequestException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sessions' paths ({@link PathWalk}) counted into a Sankey's nodes (sessions per step and value) and links (sessions
 * per step and pair of values), each step's values beyond its top ones folded into {@link #OTHER}
 * (docs/analytics-model.md, "Path exploration"). Not thread-safe. Memory: a counter per step and value, and per
 * step and pair of values seen.
 */
public final class PathAggregation {
  /** The label of a step's values beyond its top ones. */
  public static final String OTHER = "(other)";

  private final int maxValues;
  private final List<Map<String, Long>> nodes = new ArrayList<>();
  private final List<Map<Pair, Long>> links = new ArrayList<>();
  private long sessions;

  /** @param maxValues the most distinct values one step may have (recompute.maxGroups); more is refused */
  public PathAggregation(int steps, int maxValues) {
    this.maxValues = maxValues;
    for (int s = 0; s <= steps; s++) {
      nodes.add(new HashMap<>());
      links.add(new HashMap<>());
    }
  }

  private record Pair(String from, String to) {}

  /** A step's value and its sessions. */
  public record Node(int step, String value, long sessions) {}

  /** Sessions going from {@code from} at {@code fromStep} to {@code to} at the next step. */
  public record Link(int fromStep, String from, String to, long sessions) {}

  /** The counted paths, folded. */
  public record Result(List<Node> nodes, List<Link> links, long sessions) {}

  /** Counts one session's path (step 0 first). */
  public void add(List<String> path) {
    sessions++;
    for (int s = 0; s < path.size(); s++) {
      Map<String, Long> step = nodes.get(s);
      if (step.size() >= maxValues && !step.containsKey(path.get(s))) {
        throw InvalidRequestException.of("nodeType", "a step has more than " + maxValues + " distinct values"
            + " (recompute.maxGroups); narrow the date range or anchor");
      }
      step.merge(path.get(s), 1L, Long::sum);
      if (s > 0) {
        links.get(s - 1).merge(new Pair(path.get(s - 1), path.get(s)), 1L, Long::sum);
      }
    }
  }

  /** Sessions counted (those holding the anchor). */
  public long sessions() {
    return sessions;
  }

  /**
   * The nodes and links, each step keeping its {@code top} values with the most sessions (ties: the smaller value by
   * code points) and folding the rest into {@link #OTHER}; a session's end (or start) is never folded and takes no
   * place. Nodes by step, then sessions (most first), then value; links by step, sessions, from, to.
   */
  public Result result(int top) {
    List<Map<String, String>> fold = new ArrayList<>();
    List<Node> outNodes = new ArrayList<>();
    for (int s = 0; s < nodes.size(); s++) {
      List<Map.Entry<String, Long>> values = new ArrayList<>(nodes.get(s).entrySet());
      values.removeIf(e -> isBoundary(e.getKey()));
      values.sort(Comparator.comparingLong((Map.Entry<String, Long> e) -> -e.getValue())
          .thenComparing(Map.Entry::getKey));
      Map<String, String> f = new HashMap<>();
      for (int i = 0; i < values.size(); i++) {
        f.put(values.get(i).getKey(), i < top ? values.get(i).getKey() : OTHER);
      }
      fold.add(f);
      Map<String, Long> folded = new HashMap<>();
      nodes.get(s).forEach((v, n) -> folded.merge(f.getOrDefault(v, v), n, Long::sum));
      int step = s;
      folded.forEach((v, n) -> outNodes.add(new Node(step, v, n)));
    }
    outNodes.sort(Comparator.comparingInt(Node::step).thenComparingLong(n -> -n.sessions())
        .thenComparing(Node::value));
    List<Link> outLinks = new ArrayList<>();
    for (int s = 0; s < links.size(); s++) {
      Map<Pair, Long> folded = new HashMap<>();
      Map<String, String> from = fold.get(s);
      Map<String, String> to = s + 1 < fold.size() ? fold.get(s + 1) : Map.of();
      links.get(s).forEach((p, n) -> folded.merge(new Pair(from.getOrDefault(p.from(), p.from()),
          to.getOrDefault(p.to(), p.to())), n, Long::sum));
      int step = s;
      folded.forEach((p, n) -> outLinks.add(new Link(step, p.from(), p.to(), n)));
    }
    outLinks.sort(Comparator.comparingInt(Link::fromStep).thenComparingLong(l -> -l.sessions())
        .thenComparing(Link::from).thenComparing(Link::to));
    return new Result(outNodes, outLinks, sessions);
  }

  private static boolean isBoundary(String value) {
    return PathWalk.END.equals(value) || PathWalk.START.equals(value);
  }
}
