package io.beacon.model.path;

import io.beacon.model.Hit;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.SessionRules;
import io.beacon.model.session.Sessions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paths of one person's sessions from the anchor (docs/analytics-model.md, "Path exploration"). A pure function
 * of the person's hits of the date range, whatever order they arrived in: bots are dropped, the rest are put in
 * event order and given their sessions by the model's {@link Sessions} (as funnels do). Each session holding the
 * anchor gives one path: the anchor's value at step 0, then the next distinct node values (consecutive repeats
 * collapse), forward or backward from the session's first anchor event, until {@code steps} values follow it or the
 * session runs out ({@link #END} forward, {@link #START} backward, once).
 */
public final class PathWalk {
  /** The step after a session's last node (forward). */
  public static final String END = "(session end)";
  /** The step before a session's first node (backward). */
  public static final String START = "(session start)";

  private final PathRequest request;
  private final SessionRules rules;

  public PathWalk(PathRequest request, SessionRules rules) {
    this.request = request;
    this.rules = rules;
  }

  /** The paths of one person's hits of the range (any order, bots included: they are dropped); one per session. */
  public List<List<String>> paths(List<Hit> personHits) {
    List<Hit> hits = new ArrayList<>(personHits.size());
    for (Hit h : personHits) {
      if (!Boolean.TRUE.equals(h.isBot())) {
        hits.add(h);
      }
    }
    if (hits.isEmpty()) {
      return List.of();
    }
    Map<String, List<Hit>> sessions = new LinkedHashMap<>();
    for (Sessions.Scoped e : Sessions.scope(hits, ClientHistory.NONE, rules)) {
      sessions.computeIfAbsent(e.scope().sessionId(), k -> new ArrayList<>()).add(e.hit());
    }
    List<List<String>> out = new ArrayList<>();
    for (List<Hit> session : sessions.values()) {
      List<String> path = walk(session);
      if (path != null) {
        out.add(path);
      }
    }
    return out;
  }

  /** One session's path (its events in event order), or null without the anchor. */
  private List<String> walk(List<Hit> events) {
    int anchor = -1;
    for (int i = 0; i < events.size() && anchor < 0; i++) {
      if (isAnchor(events.get(i))) {
        anchor = i;
      }
    }
    if (anchor < 0) {
      return null;
    }
    List<String> path = new ArrayList<>(request.steps() + 1);
    path.add(value(events.get(anchor)));
    boolean forward = request.direction() == PathRequest.Direction.FORWARD;
    int step = forward ? 1 : -1;
    for (int i = anchor + step; i >= 0 && i < events.size() && path.size() <= request.steps(); i += step) {
      Hit e = events.get(i);
      if (!isNode(e)) {
        continue;
      }
      String v = value(e);
      if (!v.equals(path.get(path.size() - 1))) {
        path.add(v);
      }
    }
    if (path.size() <= request.steps()) {
      path.add(forward ? END : START);
    }
    return path;
  }

  private boolean isAnchor(Hit e) {
    PathRequest.Anchor a = request.start();
    return (a.eventName() == null || a.eventName().equals(e.eventName()))
        && (a.pagePath() == null || a.pagePath().equals(Dimension.PAGE_PATH.valueOf(e, null)));
  }

  /** Page paths come from page views only; every event is a node of event names. */
  private boolean isNode(Hit e) {
    return request.nodeType() == PathRequest.NodeType.EVENT_NAME
        || "page_view".equals(e.eventName()) || "screen_view".equals(e.eventName());
  }

  private String value(Hit e) {
    return request.nodeType() == PathRequest.NodeType.PAGE_PATH ? Dimension.PAGE_PATH.valueOf(e, null)
        : Dimension.EVENT_NAME.valueOf(e, null);
  }
}
