package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.model.path.PathAggregation;
import io.beacon.model.path.PathRequest;
import io.beacon.model.path.PathWalk;
import io.beacon.model.session.SessionRules;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Path explorations over the load generator's hits (several days, every protocol's sessions, sessions over midnight,
 * bots, each person's hits shuffled) plus hand-made sessions with repeats, the model's engine against a reference
 * written from docs/analytics-model.md, "Path exploration", alone: plain loops, its own sessions, its own folding.
 */
class PathGroundTruthTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final long TIMEOUT = 30 * 60_000L;
  private static final String END = "(session end)";
  private static final String START = "(session start)";

  // ---------------- the reference, from the docs' text ----------------

  /** The reference's request: the anchor (null: any), direction, node type, steps, top per step. */
  record Ref(String anchorEvent, String anchorPage, boolean forward, boolean pages, int steps, int top) {}

  static String page(Hit h) {
    return h.pagePath() == null || h.pagePath().isBlank() ? "(not set)" : h.pagePath();
  }

  static String name(Hit h) {
    return h.eventName() == null || h.eventName().isBlank() ? "(not set)" : h.eventName();
  }

  /** One person's sessions' paths: a list per session holding the anchor. */
  static List<List<String>> reference(Ref r, List<Hit> hits) {
    List<Hit> events = new ArrayList<>();
    for (Hit h : hits) {
      if (h.isBot() == null || !h.isBot()) {
        events.add(h);
      }
    }
    events.sort(Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId));
    // Sessions: the sender's id, else a new one after more than 30 minutes without an event lacking an id.
    Map<String, List<Hit>> sessions = new LinkedHashMap<>();
    String current = null;
    long last = 0;
    for (Hit h : events) {
      String s;
      if (h.sessionId() != null && !h.sessionId().isBlank()) {
        s = "s:" + h.sessionId();
      } else {
        if (current == null || h.ts() - last > TIMEOUT) {
          current = "a:" + h.ts();
        }
        last = h.ts();
        s = current;
      }
      sessions.computeIfAbsent(s, x -> new ArrayList<>()).add(h);
    }
    List<List<String>> out = new ArrayList<>();
    for (List<Hit> session : sessions.values()) {
      int first = -1;
      for (int i = 0; i < session.size(); i++) {
        Hit h = session.get(i);
        if ((r.anchorEvent() == null || r.anchorEvent().equals(h.eventName()))
            && (r.anchorPage() == null || r.anchorPage().equals(page(h)))) {
          first = i;
          break;
        }
      }
      if (first < 0) {
        continue;
      }
      // The nodes on the walk's side, nearest first, as values.
      List<String> side = new ArrayList<>();
      if (r.forward()) {
        for (int i = first + 1; i < session.size(); i++) {
          addNode(r, session.get(i), side);
        }
      } else {
        for (int i = first - 1; i >= 0; i--) {
          addNode(r, session.get(i), side);
        }
      }
      List<String> path = new ArrayList<>();
      path.add(r.pages() ? page(session.get(first)) : name(session.get(first)));
      for (String v : side) {
        if (path.size() == r.steps() + 1) {
          break;
        }
        if (!v.equals(path.get(path.size() - 1))) {
          path.add(v);
        }
      }
      if (path.size() < r.steps() + 1) {
        path.add(r.forward() ? END : START);
      }
      out.add(path);
    }
    return out;
  }

  static void addNode(Ref r, Hit h, List<String> side) {
    if (!r.pages()) {
      side.add(name(h));
    } else if ("page_view".equals(h.eventName()) || "screen_view".equals(h.eventName())) {
      side.add(page(h));
    }
  }

  /** Nodes and links, folded per the docs, as "step|value" -> sessions and "step|from|to" -> sessions. */
  static Map<String, Long>[] counts(Ref r, List<List<String>> paths) {
    List<Map<String, Long>> perStep = new ArrayList<>();
    for (int s = 0; s <= r.steps(); s++) {
      perStep.add(new HashMap<>());
    }
    for (List<String> p : paths) {
      for (int s = 0; s < p.size(); s++) {
        perStep.get(s).merge(p.get(s), 1L, Long::sum);
      }
    }
    List<Map<String, String>> label = new ArrayList<>();
    for (int s = 0; s <= r.steps(); s++) {
      Map<String, Long> step = perStep.get(s);
      List<String> values = new ArrayList<>();
      for (String v : step.keySet()) {
        if (!v.equals(END) && !v.equals(START)) {
          values.add(v);
        }
      }
      values.sort((a, b) -> step.get(a).equals(step.get(b)) ? a.compareTo(b) : Long.compare(step.get(b), step.get(a)));
      Map<String, String> l = new HashMap<>();
      for (int i = 0; i < values.size(); i++) {
        l.put(values.get(i), i < r.top() ? values.get(i) : "(other)");
      }
      l.put(END, END);
      l.put(START, START);
      label.add(l);
    }
    Map<String, Long> nodes = new TreeMap<>();
    Map<String, Long> links = new TreeMap<>();
    for (List<String> p : paths) {
      for (int s = 0; s < p.size(); s++) {
        nodes.merge(s + "|" + label.get(s).get(p.get(s)), 1L, Long::sum);
        if (s > 0) {
          links.merge((s - 1) + "|" + label.get(s - 1).get(p.get(s - 1)) + "|" + label.get(s).get(p.get(s)), 1L,
              Long::sum);
        }
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Long>[] out = new Map[] {nodes, links};
    return out;
  }

  // ---------------- the comparison ----------------

  static PathAggregation.Result engine(Map<String, Object> body, Map<String, List<Hit>> persons) {
    PathRequest request = PathRequest.parse(body, ZONE, LocalDate.of(2026, 12, 7), 1100);
    PathWalk walk = new PathWalk(request, SessionRules.GA4);
    PathAggregation agg = new PathAggregation(request.steps(), 10_000);
    for (List<Hit> hits : persons.values()) {
      walk.paths(hits).forEach(agg::add);
    }
    return agg.result(request.topPerStep());
  }

  static void compare(Map<String, Object> body, Ref ref, Map<String, List<Hit>> persons, int minSessions) {
    List<List<String>> paths = new ArrayList<>();
    persons.values().forEach(hits -> paths.addAll(reference(ref, hits)));
    Map<String, Long>[] expected = counts(ref, paths);
    PathAggregation.Result actual = engine(body, persons);
    assertThat(actual.sessions()).isEqualTo(paths.size()).isGreaterThanOrEqualTo(minSessions);
    Map<String, Long> nodes = new TreeMap<>();
    actual.nodes().forEach(n -> assertThat(nodes.put(n.step() + "|" + n.value(), n.sessions())).as("one node %s", n).isNull());
    Map<String, Long> links = new TreeMap<>();
    actual.links().forEach(l -> assertThat(links.put(l.fromStep() + "|" + l.from() + "|" + l.to(), l.sessions()))
        .as("one link %s", l).isNull());
    assertThat(nodes).isEqualTo(expected[0]);
    assertThat(links).isEqualTo(expected[1]);
    // Deep enough to mean something: the last step is reached, and something was folded or ended.
    assertThat(actual.nodes().stream().anyMatch(n -> n.step() == ref.steps())).isTrue();
    // The answer's order: by step, most sessions first.
    for (int i = 1; i < actual.nodes().size(); i++) {
      PathAggregation.Node a = actual.nodes().get(i - 1);
      PathAggregation.Node b = actual.nodes().get(i);
      assertThat(a.step() < b.step() || a.step() == b.step() && a.sessions() >= b.sessions()).as("%s before %s", a, b).isTrue();
    }
  }

  static Map<String, Object> body(String direction, Map<String, Object> start, String nodeType, int steps, int top) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("dateRange", Map.of("startDate", "2026-10-01", "endDate", "2026-11-30"));
    body.put("direction", direction);
    body.put("start", start);
    body.put("nodeType", nodeType);
    body.put("steps", steps);
    body.put("topPerStep", top);
    return body;
  }

  /** The generator's persons and the hand-made ones below. */
  static Map<String, List<Hit>> persons() {
    Map<String, List<Hit>> persons = new TreeMap<>(FunnelGroundTruthTest.persons());
    persons.putAll(handMade());
    return persons;
  }

  /** The most frequent page of page views (ties: the smaller path), as anchor. */
  static String topPage(Map<String, List<Hit>> persons) {
    Map<String, Long> pages = new HashMap<>();
    persons.values().forEach(l -> l.stream().filter(h -> "page_view".equals(h.eventName()) && !Boolean.TRUE.equals(h.isBot()))
        .forEach(h -> pages.merge(page(h), 1L, Long::sum)));
    return pages.entrySet().stream().min(Comparator.comparingLong((Map.Entry<String, Long> e) -> -e.getValue())
        .thenComparing(Map.Entry::getKey)).orElseThrow().getKey();
  }

  private static final long MIDNIGHT = ZonedDateTime.of(2026, 11, 10, 0, 0, 0, 0, ZONE).toInstant().toEpochMilli();

  static Hit hit(String client, String rid, String session, long ts, String event, String path, boolean bot) {
    return Hit.builder().propertyId("B-SHOP").clientId(client).requestId(rid).sessionId(session).ts(ts).receivedAt(ts)
        .eventName(event).pagePath(path).isBot(bot ? true : null).build();
  }

  /**
   * Sessions the docs' rules decide visibly: one over midnight with a reload and a bot between, arriving in reverse;
   * one without a sender id split by a 31-minute gap; one whose anchor comes twice.
   */
  static Map<String, List<Hit>> handMade() {
    Map<String, List<Hit>> out = new LinkedHashMap<>();
    long m = MIDNIGHT;
    List<Hit> a = new ArrayList<>(List.of(
        hit("hand.1", "h1", "S1", m - 120_000, "page_view", "/", false),
        hit("hand.1", "h2", "S1", m - 60_000, "page_view", "/pricing", false),
        hit("hand.1", "h3", "S1", m - 30_000, "scroll", "/pricing", false),
        hit("hand.1", "h4", "S1", m + 10_000, "page_view", "/pricing", false), // a reload after midnight
        hit("hand.1", "h5", "S1", m + 20_000, "page_view", "/crawler-only", true),
        hit("hand.1", "h6", "S1", m + 40_000, "page_view", "/signup", false),
        hit("hand.1", "h7", "S1", m + 50_000, "sign_up", "/signup", false)));
    Collections.reverse(a);
    out.put("hand.1", a);
    List<Hit> b = new ArrayList<>(List.of(
        hit("hand.2", "i1", null, m + 3_600_000, "page_view", "/pricing", false),
        hit("hand.2", "i2", null, m + 3_660_000, "page_view", "/docs", false),
        hit("hand.2", "i3", null, m + 3_660_000 + 31 * 60_000, "page_view", "/pricing", false),
        hit("hand.2", "i4", null, m + 3_660_000 + 32 * 60_000, "page_view", "/pricing", false)));
    Collections.shuffle(b, new Random(5));
    out.put("hand.2", b);
    out.put("hand.3", List.of(
        hit("hand.3", "j1", "S3", m + 7_200_000, "page_view", "/pricing", false),
        hit("hand.3", "j2", "S3", m + 7_260_000, "page_view", "/docs", false),
        hit("hand.3", "j3", "S3", m + 7_320_000, "page_view", "/pricing", false),
        hit("hand.3", "j4", "S3", m + 7_380_000, "page_view", "/about", false)));
    return out;
  }

  @Test
  void handMadeSessionsWalkAsTheDocsSay() {
    Map<String, Object> body = body("forward", Map.of("eventName", "page_view", "pagePath", "/pricing"), "pagePath", 3, 5);
    PathWalk walk = new PathWalk(PathRequest.parse(body, ZONE, LocalDate.of(2026, 12, 7), 1100), SessionRules.GA4);
    Map<String, List<Hit>> hand = handMade();
    // Over midnight, in reverse arrival: the reload collapses, the bot's page is not there.
    assertThat(walk.paths(hand.get("hand.1"))).containsExactly(List.of("/pricing", "/signup", END));
    // Two sessions (31 minutes without an event): the second's reload collapses into its anchor.
    assertThat(walk.paths(hand.get("hand.2"))).containsExactly(List.of("/pricing", "/docs", END), List.of("/pricing", END));
    // From the first anchor: the second /pricing is a step of its own.
    assertThat(walk.paths(hand.get("hand.3"))).containsExactly(List.of("/pricing", "/docs", "/pricing", "/about"));
    PathWalk back = new PathWalk(PathRequest.parse(body("backward", Map.of("eventName", "sign_up"), "eventName", 5, 5),
        ZONE, LocalDate.of(2026, 12, 7), 1100), SessionRules.GA4);
    assertThat(back.paths(hand.get("hand.1"))).containsExactly(
        List.of("sign_up", "page_view", "scroll", "page_view", START));
    for (Map.Entry<String, List<Hit>> e : hand.entrySet()) {
      Ref r = new Ref("page_view", "/pricing", true, true, 3, 5);
      assertThat(walk.paths(e.getValue())).as(e.getKey()).isEqualTo(reference(r, e.getValue()));
    }
  }

  @Test
  void forwardPagesFromTheTopPage() {
    Map<String, List<Hit>> persons = persons();
    assertThat(persons.size()).isGreaterThan(300);
    String top = topPage(persons);
    compare(body("forward", Map.of("eventName", "page_view", "pagePath", top), "pagePath", 3, 5),
        new Ref("page_view", top, true, true, 3, 5), persons, 100);
  }

  @Test
  void backwardEventsToAKeyEventFoldedToThree() {
    Map<String, List<Hit>> persons = persons();
    compare(body("backward", Map.of("eventName", "purchase"), "eventName", 5, 3),
        new Ref("purchase", null, false, false, 5, 3), persons, 10);
  }

  @Test
  void forwardEventsFromAnyEventOnAPageOneStepTopOne() {
    Map<String, List<Hit>> persons = persons();
    String top = topPage(persons);
    compare(body("forward", Map.of("pagePath", top), "eventName", 1, 1),
        new Ref(null, top, true, false, 1, 1), persons, 100);
  }
}
