package io.beacon.collector.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Universal Analytics fields the session model reads: {@code ni} (non-interaction) and no session id. */
class UniversalParserTest {
  static final long NOW = 1_750_000_000_000L;
  static final long H72 = 72 * 3_600_000L;

  @Test
  void niOneMarksANonInteractionHitAnythingElseIsAnInteraction() {
    assertThat(draft("v=1&tid=UA-1&cid=c&t=event&ec=scroll&ea=depth&ni=1").nonInteraction).isTrue();
    assertThat(draft("v=1&tid=UA-1&cid=c&t=event&ec=scroll&ea=depth&ni=0").nonInteraction).isNull();
    assertThat(draft("v=1&tid=UA-1&cid=c&t=event&ec=scroll&ea=depth").nonInteraction).isNull();
    assertThat(draft("v=1&tid=UA-1&cid=c&t=event&ec=scroll&ea=depth&ni=").nonInteraction).isNull();
    assertThat(draft("v=1&tid=UA-1&cid=c&t=event&ec=scroll&ea=depth&ni=true").nonInteraction).isNull();
    // Any hit type may carry it (analytics.js sends it on events mostly); it is not a parameter of the event.
    ParseResult pv = UniversalParser.parseSingle("v=1&tid=UA-1&cid=c&t=pageview&dp=%2F&ni=1", NOW, H72);
    assertThat(pv.hits.get(0).nonInteraction).isTrue();
    assertThat(pv.hits.get(0).params).doesNotContainKeys("ni", "non_interaction");
  }

  @Test
  void inABatchEachLineHasItsOwn() {
    ParseResult batch = UniversalParser.parseBatch("v=1&tid=UA-1&cid=c&t=pageview&dp=%2F\n"
        + "v=1&tid=UA-1&cid=c&t=event&ec=video&ea=autoplay&ni=1\n"
        + "v=1&tid=UA-1&cid=c&t=event&ec=video&ea=play\n", NOW, H72);
    assertThat(batch.problems).isEmpty();
    assertThat(batch.hits.stream().map(d -> d.nonInteraction).toList())
        .isEqualTo(Arrays.asList(null, true, null));
  }

  @Test
  void uaSendsNoSessionAndTheParserMakesNone() {
    HitDraft d = draft("v=1&tid=UA-1&cid=c&t=pageview&dp=%2F");
    assertThat(Arrays.asList(d.sessionId, d.sessionNumber, d.firstVisit, d.sessionStart)).containsOnlyNulls();
    // sc=start is the sender's session_start flag, kept as sent.
    assertThat(draft("v=1&tid=UA-1&cid=c&t=pageview&dp=%2F&sc=start").sessionStart).isTrue();
  }

  private static HitDraft draft(String line) {
    ParseResult r = UniversalParser.parseSingle(line, NOW, H72);
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(1);
    return r.hits.get(0);
  }
}
