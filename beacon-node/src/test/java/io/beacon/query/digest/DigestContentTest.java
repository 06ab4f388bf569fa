package io.beacon.query.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class DigestContentTest {
  private static final DigestPeriod WEEK = DigestPeriod.starting(Frequency.WEEKLY, LocalDate.of(2026, 11, 30));

  @Test
  void deltasAreRelativeChangesAsTheOverviewShowsThem() {
    assertThat(DigestContent.delta(110, 100)).isEqualTo("+10.0%");
    assertThat(DigestContent.delta(97, 100)).isEqualTo("-3.0%");
    assertThat(DigestContent.delta(100, 100)).isEqualTo("0.0%");
    assertThat(DigestContent.delta(5, 0)).isEqualTo("new");
    assertThat(DigestContent.delta(0, 0)).isEqualTo("-");
    assertThat(DigestContent.duration(65)).isEqualTo("1m 05s");
    assertThat(DigestContent.duration(42.4)).isEqualTo("42s");
    assertThat(DigestContent.duration(3720)).isEqualTo("1h 02m");
    assertThat(DigestContent.count(12345)).isEqualTo("12,345");
    assertThat(DigestContent.percent(0.4531)).isEqualTo("45.3%");
  }

  @Test
  void theMessageHoldsTheSameNumbersInTextAndEscapedHtml() {
    DigestFigures f = new DigestFigures(
        new DigestFigures.Totals(110, 200, 450, 100, 80, 80 * 65, 7),
        new DigestFigures.Totals(100, 250, 450, 100, 100, 100 * 60, 0),
        List.of(new DigestFigures.Ranked("/<script>alert(1)</script>", 30), new DigestFigures.Ranked("/b", 20)),
        List.of());
    DigestContent.Message m = DigestContent.build("B-1", "Shop & Co", ZoneId.of("Europe/Berlin"), WEEK, f,
        "https://beacon.example/");
    assertThat(m.subject()).isEqualTo("Beacon weekly report: Shop & Co, 30 Nov - 6 Dec 2026");
    assertThat(m.text()).contains("Users: 110 (+10.0%)", "Sessions: 200 (-20.0%)", "Views: 450 (0.0%)",
        "Engagement rate: 50.0% (+25.0%)", "Avg. engagement time: 1m 05s (+8.3%)", "Key events: 7 (new)",
        "  /<script>alert(1)</script>: 30 views", "Top sources\n  (none)",
        "https://beacon.example/dashboard/#overview?p=B-1&range=custom&cmp=1&from=2026-11-30&to=2026-12-06",
        "compared with 23 Nov - 29 Nov 2026");
    assertThat(m.html()).contains("Shop &amp; Co", "&lt;script&gt;alert(1)&lt;/script&gt;", ">110<", ">+10.0%<",
        ">1m 05s<", ">new<").doesNotContain("<script>", "<img", "src=");
  }

  @Test
  void controlCharactersNeverBreakALine() {
    DigestContent.Message m = DigestContent.build("B-1", "Evil\r\nBcc: x@y", ZoneId.of("UTC"), WEEK,
        new DigestFigures(DigestFigures.Totals.NONE, DigestFigures.Totals.NONE, List.of(), List.of()),
        "http://localhost:8081");
    assertThat(m.subject()).doesNotContain("\r", "\n");
  }
}
