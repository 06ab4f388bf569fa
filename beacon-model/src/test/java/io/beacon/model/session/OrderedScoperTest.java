package io.beacon.model.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderedScoperTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final long MIN = 60_000;

  @Test
  void aReadInTimeOrderScopesLikeTheWholeClientAtOnceWhenNoGapExceedsTheFlushIdle() {
    Random random = new Random(7);
    List<Hit> all = new ArrayList<>();
    for (int c = 0; c < 40; c++) {
      long t = T0 + random.nextInt(600) * MIN;
      for (int i = 0; i < 1 + random.nextInt(12); i++) {
        t += random.nextInt(50) * MIN; // gaps up to 49 min: some split Beacon sessions, none exceeds the flush idle
        all.add(Hit.builder().propertyId("P").clientId("c" + c).requestId("r" + c + "." + i)
            .sessionId(c % 3 == 0 ? "s" + (i / 4) : null).ts(t).receivedAt(t)
            .eventName(random.nextBoolean() ? "page_view" : "scroll").pagePath("/" + random.nextInt(5))
            .engagementMs((long) random.nextInt(6_000)).source(random.nextBoolean() ? "google" : "(direct)")
            .medium("x").protocol("ga4-mp").build());
      }
    }
    all.add(Hit.builder().propertyId("P").clientId("bot").requestId("b").ts(T0 + 5).isBot(true).build());
    all.sort(Sessions.EVENT_ORDER);
    Map<Hit, Scope> got = new HashMap<>();
    Map<String, ClientHistory> known = Map.of("c1", new ClientHistory(T0 - 1, "bing", "organic", null));
    OrderedScoper scoper = new OrderedScoper(SessionRules.GA4, 60 * MIN, known::get,
        s -> assertThat(got.put(s.hit(), s.scope())).isNull());
    all.forEach(scoper::accept);
    scoper.finish();
    assertThat(scoper.heldClients()).isZero();

    Map<Hit, Scope> want = new HashMap<>();
    all.stream().filter(h -> h.isBot() != null).forEach(h -> want.put(h, null));
    all.stream().filter(h -> h.isBot() == null).map(Hit::clientId).distinct().forEach(c -> Sessions.scope(
            all.stream().filter(h -> c.equals(h.clientId())).toList(), known.getOrDefault(c, ClientHistory.NONE),
            SessionRules.GA4).forEach(s -> want.put(s.hit(), s.scope())));
    assertThat(got).isEqualTo(want);
    assertThat(got.values().stream().filter(s -> s != null && s.newUser()).count()).isEqualTo(39);
  }

  @Test
  void aClientBackAfterTheFlushIdleKeepsItsFirstVisit() {
    List<Sessions.Scoped> out = new ArrayList<>();
    OrderedScoper scoper = new OrderedScoper(SessionRules.GA4, 60 * MIN, c -> null, out::add);
    scoper.accept(hit("a", T0));
    scoper.accept(hit("b", T0 + 300 * MIN).toBuilder().clientId("other").build());
    scoper.accept(hit("c", T0 + 600 * MIN));
    scoper.finish();
    out.sort(Comparator.comparing(Sessions.Scoped::hit, Sessions.EVENT_ORDER));
    assertThat(out).extracting(s -> s.scope().newUser()).containsExactly(true, true, false);
    assertThat(Set.of(out.get(2).scope().firstUserSource())).containsExactly("google");
  }

  private static Hit hit(String rid, long ts) {
    return Hit.builder().propertyId("P").clientId("c").requestId(rid).ts(ts).receivedAt(ts).eventName("page_view")
        .source("google").medium("organic").protocol("ga4-mp").build();
  }
}
