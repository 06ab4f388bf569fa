package io.beacon.testing;

import io.beacon.model.Hit;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.SessionRules;
import io.beacon.model.session.Sessions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The code under test's session scoping of a whole set of hits (what a stream that has settled every session
 * counts): each client's non-bot hits through {@link Sessions#scope}, bots with a null scope.
 */
public final class Scoping {
  private Scoping() {
  }

  public static List<Sessions.Scoped> scopeAll(List<Hit> hits) {
    List<Sessions.Scoped> out = new ArrayList<>();
    Map<String, List<Hit>> byClient = new LinkedHashMap<>();
    for (Hit h : hits) {
      if (Boolean.TRUE.equals(h.isBot())) {
        out.add(new Sessions.Scoped(h, null));
      } else {
        byClient.computeIfAbsent(h.propertyId() + "\u0000" + h.clientId(), k -> new ArrayList<>()).add(h);
      }
    }
    byClient.values().forEach(c -> out.addAll(Sessions.scope(c, ClientHistory.NONE, SessionRules.GA4)));
    return out;
  }
}
