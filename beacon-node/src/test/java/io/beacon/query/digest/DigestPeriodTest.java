package io.beacon.query.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class DigestPeriodTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  @Test
  void aWeekIsTheLastMondayToSundayBeforeToday() {
    // Tuesday 8 Dec 2026: the week of 30 Nov - 6 Dec, compared with 23 - 29 Nov.
    DigestPeriod p = DigestPeriod.lastComplete(Frequency.WEEKLY, LocalDate.of(2026, 12, 8));
    assertThat(p.start()).isEqualTo(LocalDate.of(2026, 11, 30));
    assertThat(p.end()).isEqualTo(LocalDate.of(2026, 12, 6));
    assertThat(p.previous().start()).isEqualTo(LocalDate.of(2026, 11, 23));
    assertThat(p.previous().end()).isEqualTo(LocalDate.of(2026, 11, 29));
    assertThat(p.label()).isEqualTo("30 Nov - 6 Dec 2026");
    // On the Monday itself, the week just ended; on the Sunday, the one before.
    assertThat(DigestPeriod.lastComplete(Frequency.WEEKLY, LocalDate.of(2026, 12, 7)).start())
        .isEqualTo(LocalDate.of(2026, 11, 30));
    assertThat(DigestPeriod.lastComplete(Frequency.WEEKLY, LocalDate.of(2026, 12, 6)).start())
        .isEqualTo(LocalDate.of(2026, 11, 23));
    assertThat(DigestPeriod.starting(Frequency.WEEKLY, LocalDate.of(2026, 12, 28)).label())
        .isEqualTo("28 Dec 2026 - 3 Jan 2027");
  }

  @Test
  void aMonthIsTheLastCalendarMonth() {
    DigestPeriod p = DigestPeriod.lastComplete(Frequency.MONTHLY, LocalDate.of(2026, 3, 1));
    assertThat(p.start()).isEqualTo(LocalDate.of(2026, 2, 1));
    assertThat(p.end()).isEqualTo(LocalDate.of(2026, 2, 28));
    assertThat(p.previous().start()).isEqualTo(LocalDate.of(2026, 1, 1));
    assertThat(p.previous().end()).isEqualTo(LocalDate.of(2026, 1, 31));
    assertThat(p.label()).isEqualTo("February 2026");
  }

  @Test
  void thePeriodAndItsDueTimeAreInThePropertysZone() {
    // 23:30 UTC on Sunday 6 Dec is already Monday in Berlin: the week ended there.
    Instant now = Instant.parse("2026-12-06T23:30:00Z");
    assertThat(DigestPeriod.lastComplete(Frequency.WEEKLY, now, BERLIN).start()).isEqualTo(LocalDate.of(2026, 11, 30));
    assertThat(DigestPeriod.lastComplete(Frequency.WEEKLY, now, ZoneId.of("UTC")).start())
        .isEqualTo(LocalDate.of(2026, 11, 23));
    DigestPeriod week = DigestPeriod.starting(Frequency.WEEKLY, LocalDate.of(2026, 11, 30));
    assertThat(week.dueAt(BERLIN, 7)).isEqualTo(Instant.parse("2026-12-07T06:00:00Z"));
    // A DST change: Monday 30 Mar 2026 is summer time in Berlin (UTC+2).
    assertThat(DigestPeriod.starting(Frequency.WEEKLY, LocalDate.of(2026, 3, 23)).dueAt(BERLIN, 7))
        .isEqualTo(Instant.parse("2026-03-30T05:00:00Z"));
  }
}
