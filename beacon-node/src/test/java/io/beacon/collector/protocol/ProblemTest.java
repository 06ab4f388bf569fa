package io.beacon.collector.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A sender's value quoted in an error names risky characters by code (the jqwik fuzz found raw backticks). */
class ProblemTest {
  @Test
  void quoteNamesBackticksQuotesAndControlsByCode() {
    assertThat(Problem.quote("page_view")).isEqualTo("'page_view'");
    assertThat(Problem.quote("a`b'c\"d\\e\nf")).isEqualTo("'aU+0060bU+0027cU+0022dU+005CeU+000Af'");
    assertThat(Problem.quote("\u200Bx")).isEqualTo("'U+200Bx'");
    assertThat(Problem.quote(null)).isEqualTo("null");
    assertThat(Problem.quote("x".repeat(100))).isEqualTo("'" + "x".repeat(40) + "...'");
  }

  @Test
  void parsersQuoteWhatTheyEcho() {
    ParseResult r = UniversalParser.parseSingle("v=%601&tid=UA-1&cid=c&t=pageview", System.currentTimeMillis(), 3_600_000);
    assertThat(r.problems).isNotEmpty();
    assertThat(r.problems.get(0).description()).contains("U+0060").doesNotContain("`");
  }
}
