package io.beacon.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.store.cassandra.PropertyRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which deleted properties the purge takes, at a given time (no store, no Vert.x). */
class PropertyPurgeTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private static PropertyRecord property(String id, Instant deletedAt) {
    return new PropertyRecord(id, "n", "UTC", null, "s", null, null, false, false, null, null, null, null, null, null,
        null, null, deletedAt);
  }

  @Test
  void aDeletedPropertyIsDueOnceItsThirtyFiveDaysInTheTrashAreOver() {
    Instant exactly = NOW.minus(Duration.ofDays(PropertyRecord.TRASH_DAYS));
    List<PropertyRecord> all = List.of(
        property("B-LIVE0001", null),
        property("B-TRASH010", NOW.minus(Duration.ofDays(10))),
        property("B-ALMOST35", exactly.plusMillis(1)),
        property("B-EXACTLY0", exactly),
        property("B-OLD00036", NOW.minus(Duration.ofDays(36))));

    assertThat(PropertyPurge.due(all, NOW)).containsExactly("B-EXACTLY0", "B-OLD00036");
    // A millisecond later the one deleted a millisecond after joins them; a day earlier, none is due but the oldest.
    assertThat(PropertyPurge.due(all, NOW.plusMillis(1))).containsExactly("B-ALMOST35", "B-EXACTLY0", "B-OLD00036");
    assertThat(PropertyPurge.due(all, NOW.minus(Duration.ofDays(1)))).containsExactly("B-OLD00036");
    assertThat(PropertyPurge.due(List.of(property("B-LIVE0001", null)), NOW)).isEmpty();
  }

  @Test
  void aPropertyWhoseIdIsNotBeaconsIsNeverPurged() {
    Instant old = NOW.minus(Duration.ofDays(100));
    List<PropertyRecord> all = List.of(property("B-GOOD0001", old), property("x' OR '1'='1", old),
        property("B-short", old), property("b-lower001", old), property("B-TOOLONG001", old), property(null, old));

    assertThat(PropertyPurge.due(all, NOW)).containsExactly("B-GOOD0001");
  }

  @Test
  void aRestoreIsRefusedFromTheMomentThePurgeMayStart() {
    Instant deleted = NOW.minus(Duration.ofDays(PropertyRecord.TRASH_DAYS));
    assertThat(property("B-EXACTLY0", deleted).purgeDue(NOW)).isTrue();
    assertThat(property("B-EXACTLY0", deleted).purgeDue(NOW.minusMillis(1))).isFalse();
    assertThat(property("B-LIVE0001", null).purgeDue(NOW)).isFalse();
  }
}
