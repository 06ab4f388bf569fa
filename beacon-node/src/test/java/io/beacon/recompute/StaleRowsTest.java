package io.beacon.recompute;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.aggregation.Dimension;
import io.beacon.model.aggregation.Granularity;
import io.beacon.store.cassandra.AggBucketsTable.Partition;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaleRowsTest {
  @Test
  void aDaysRowsLiveInItsHourPartitionAndItsMonthsDayPartitionOfEveryDimensionAndTheTotals() {
    // A day of a DST change: its hours are still one local day's partition.
    List<Partition> parts = StaleRows.partitionsOf("P", LocalDate.of(2026, 3, 29), ZoneId.of("Europe/Berlin"));
    int dims = Dimension.precomputedValues().length + 1;
    assertThat(parts).hasSize(2 * dims).doesNotHaveDuplicates();
    assertThat(parts.stream().filter(p -> p.granularity() == Granularity.HOUR).map(Partition::period).distinct())
        .containsExactly("2026-03-29");
    assertThat(parts.stream().filter(p -> p.granularity() == Granularity.DAY).map(Partition::period).distinct())
        .containsExactly("2026-03");
    assertThat(parts).extracting(Partition::dimension).contains("(total)", "pagePath", "country");
  }
}
