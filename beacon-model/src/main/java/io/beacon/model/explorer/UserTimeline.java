package io.beacon.model.explorer;

import io.beacon.model.Hit;
import io.beacon.model.attribution.ChannelGroup;
import io.beacon.model.session.SessionRules;
import io.beacon.model.session.Sessions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One person's timeline (docs/analytics-model.md, "User explorer"): their sessions, each with its whole-session
 * facts and its events, as the reports count them. A pure function of the person's hits of the range, whatever
 * order they arrived in: bots are dropped, each client's events get their sessions from the model's
 * {@link Sessions} (a session is per client: two clients of one user id never share one), and the sessions are
 * listed by their first event. At most {@code limit} events are listed, the latest; the person's totals count
 * every event.
 */
public final class UserTimeline {
  private UserTimeline() {}

  /** One event: its time (epoch ms), name, page and parameters (empty: none). */
  public record Event(long ts, String name, String pagePath, String pageTitle, Map<String, String> params) {}

  /**
   * One session of one client.
   *
   * @param start   its first event's time (epoch ms), {@code end} its last's: the whole session's, also when
   *                the answer lists only its latest events
   * @param source  etc.: its attribution (its earliest event's), channel group by GA4's rules
   * @param deviceCategory etc.: those of its earliest event
   * @param events  its events listed, in event order
   */
  public record Session(String clientId, String sessionId, long start, long end, boolean engaged, String source,
      String medium, String campaign, String channelGroup, String landingPage, String deviceCategory,
      String browser, String country, List<Event> events) {}

  /**
   * The person's totals over every event read.
   *
   * @param clientIds the clients, by their first event
   * @param userIds   the user ids their events carried, by first appearance
   * @param country   and {@code deviceCategory}: those of the person's latest event
   */
  public record Person(List<String> clientIds, List<String> userIds, long firstSeen, long lastSeen, int sessions,
      long events, String country, String deviceCategory) {}

  /** The answer: the person (null: no event), the sessions with listed events, and whether events were left out. */
  public record Timeline(Person person, List<Session> sessions, boolean truncated) {}

  /** The timeline of {@code personHits} (one property; any clients, order, bots included: they are dropped). */
  public static Timeline of(Collection<Hit> personHits, SessionRules rules, int limit) {
    Map<String, List<Hit>> byClient = new LinkedHashMap<>();
    List<Hit> all = new ArrayList<>();
    for (Hit h : personHits) {
      if (!Boolean.TRUE.equals(h.isBot())) {
        byClient.computeIfAbsent(h.clientId(), c -> new ArrayList<>()).add(h);
        all.add(h);
      }
    }
    if (all.isEmpty()) {
      return new Timeline(null, List.of(), false);
    }
    all.sort(Sessions.EVENT_ORDER);
    List<Sessions.Session> sessions = new ArrayList<>();
    Map<Sessions.Session, String> clientOf = new java.util.IdentityHashMap<>();
    byClient.forEach((client, hits) -> {
      for (Sessions.Session s : Sessions.sessions(hits, rules)) {
        sessions.add(s);
        clientOf.put(s, client);
      }
    });
    sessions.sort(Comparator.comparing(Sessions.Session::first, Sessions.EVENT_ORDER)
        .thenComparing(clientOf::get));

    Set<String> clients = new LinkedHashSet<>();
    Set<String> users = new LinkedHashSet<>();
    for (Hit h : all) {
      clients.add(h.clientId());
      if (h.userId() != null && !h.userId().isBlank()) {
        users.add(h.userId());
      }
    }
    Hit latest = all.get(all.size() - 1);
    Person person = new Person(List.copyOf(clients), List.copyOf(users), all.get(0).ts(), latest.ts(),
        sessions.size(), all.size(), latest.country(), latest.deviceCategory());

    // The latest `limit` events: whole sessions from the newest back, then the latest events of the one it ends in.
    int left = limit;
    List<Session> out = new ArrayList<>();
    for (int i = sessions.size() - 1; i >= 0 && left > 0; i--) {
      Sessions.Session s = sessions.get(i);
      List<Hit> hits = s.hits();
      List<Hit> listed = hits.size() <= left ? hits : hits.subList(hits.size() - left, hits.size());
      left -= listed.size();
      out.add(session(clientOf.get(s), s, listed));
    }
    java.util.Collections.reverse(out);
    return new Timeline(person, List.copyOf(out), all.size() > limit);
  }

  private static Session session(String client, Sessions.Session s, List<Hit> listed) {
    Hit a = s.first();
    List<Event> events = new ArrayList<>(listed.size());
    for (Hit h : listed) {
      events.add(new Event(h.ts(), h.eventName(), h.pagePath(), h.pageTitle(),
          h.params() == null ? Map.of() : h.params()));
    }
    return new Session(client, s.id(), s.firstTs(), s.lastTs(), s.engaged(), a.source(), a.medium(), a.campaign(),
        ChannelGroup.of(a.source(), a.medium(), a.campaign()).apiValue(), s.landingPage(), a.deviceCategory(),
        a.browser(), a.country(), List.copyOf(events));
  }
}
