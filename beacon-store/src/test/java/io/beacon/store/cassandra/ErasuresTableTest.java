package io.beacon.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ErasuresTableTest {
  private static final long ERASED_AT = 1_000_000L;
  private static final Map<String, Long> TOMBSTONES = Map.of(
      ErasuresTable.key("P", ErasuresTable.CLIENT_ID, "c1"), ERASED_AT,
      ErasuresTable.key("P", ErasuresTable.USER_ID, "u1"), ERASED_AT);

  @Test
  void aHitOfAnErasedClientOrUserReceivedUpToTheErasureIsErased() {
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c1", null, ERASED_AT)).isTrue();
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c2", "u1", ERASED_AT - 5)).isTrue();
  }

  @Test
  void aHitReceivedAfterTheErasureAnotherPropertysOrAnotherPersonsIsKept() {
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c1", null, ERASED_AT + 1)).as("a new visit").isFalse();
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "Q", "c1", "u1", ERASED_AT)).as("another property").isFalse();
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c2", "u2", ERASED_AT)).isFalse();
    // A user id equal to an erased client id is another person: the kinds are apart.
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c2", "c1", ERASED_AT)).isFalse();
  }

  @Test
  void aRecentTombstoneExpiresAtTheHorizonAndIsFiledUnderADayTheReadersAskFor() {
    java.time.Instant now = java.time.Instant.parse("2026-12-07T10:00:00Z");
    ErasuresTable.Tombstone fresh = new ErasuresTable.Tombstone("P", ErasuresTable.CLIENT_ID, "c1",
        java.time.Instant.parse("2026-12-07T09:59:00Z"));
    Object[] values = ErasuresTable.insertRecentValues(fresh, now);
    assertThat(values[0]).isEqualTo(java.time.LocalDate.of(2026, 12, 7));
    assertThat(values[5]).isEqualTo(8 * 86_400 - 60);
    // A tombstone 8 days and a minute old can meet no hit still in Kafka: nothing to write.
    ErasuresTable.Tombstone old = new ErasuresTable.Tombstone("P", ErasuresTable.CLIENT_ID, "c1",
        java.time.Instant.parse("2026-11-29T09:59:00Z"));
    assertThat(ErasuresTable.insertRecentValues(old, now)).isNull();
    // The days read cover every tombstone still within the horizon, the oldest one's day included.
    ErasuresTable.Tombstone oldest = new ErasuresTable.Tombstone("P", ErasuresTable.CLIENT_ID, "c1",
        java.time.Instant.parse("2026-11-29T10:00:01Z"));
    assertThat(ErasuresTable.recentDays(now)).hasSize(9)
        .contains((java.time.LocalDate) ErasuresTable.insertRecentValues(oldest, now)[0], java.time.LocalDate.of(2026, 12, 7));
  }
}
