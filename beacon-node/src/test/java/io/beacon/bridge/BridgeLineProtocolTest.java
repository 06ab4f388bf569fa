package io.beacon.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.store.questdb.LineProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hit to line protocol, and batch splitting, without any server. */
class BridgeLineProtocolTest {

  private static Hit hit(String title, String browser, Map<String, String> params) {
    return Hit.builder()
        .propertyId("B-1")
        .clientId("c 1")
        .requestId("r\"1")
        .sessionNumber(3)
        .ts(1_700_000_000_123L)
        .receivedAt(1_700_000_000_200L)
        .eventName("page_view")
        .params(params)
        .engagementMs(42L)
        .sessionEngaged(true)
        .firstVisit(false)
        .hostname("ex.com")
        .pagePath("/a")
        .pageTitle(title)
        .deviceCategory("desktop")
        .browser(browser)
        .country("DE")
        .protocol("ga4")
        .schemaVersion(1)
        .build();
  }

  @Test
  void typesEachColumnAsTheTableWantsIt() {
    String line = LineProtocol.line(hit("T", "Chrome", Map.of("b", "2", "a", "1")));
    assertThat(line).isEqualTo("hits,property_id=B-1,event_name=page_view,hostname=ex.com,device_category=desktop,"
        + "browser=Chrome,country=DE,protocol=ga4 client_id=\"c 1\",request_id=\"r\\\"1\",session_number=3i,"
        + "received_at=1700000000200000t,params=\"{\\\"a\\\":\\\"1\\\",\\\"b\\\":\\\"2\\\"}\",engagement_ms=42i,"
        + "session_engaged=true,first_visit=false,page_path=\"/a\",page_title=\"T\",schema_version=1i "
        + "1700000000123000");
  }

  @Test
  void escapesTagsAndStringsSoNoValueCanBreakTheLine() {
    String line = LineProtocol.line(hit("a\"b\\c\nd\re,f=g h", "Fire fox,x=y\\z\nw", Map.of()));
    assertThat(line).contains("browser=Fire\\ fox\\,x\\=y\\\\z\\\nw,country=DE,");
    assertThat(line).contains("page_title=\"a\\\"b\\\\c\\\nd\\\re,f=g h\"");
    assertThat(line).doesNotContain("params=");
    // Every raw newline is escaped: the line is one line for QuestDB.
    assertThat(line.split("(?<!\\\\)\n")).hasSize(1);
  }

  @Test
  void emptyTagIsLeftOutAndOutOfRangeTimestampsAreRefused() {
    assertThat(LineProtocol.line(hit("t", "", null))).doesNotContain("browser=");
    Hit future = Hit.builder()
        .propertyId("B-1")
        .clientId("c")
        .requestId("r")
        .ts(LineProtocol.MAX_EPOCH_MS + 1)
        .receivedAt(0)
        .schemaVersion(1)
        .build();
    assertThatThrownBy(() -> LineProtocol.line(future)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ts out of range");
  }

  @Test
  void splitterIsolatesEachRejectedItemAndWritesTheRest() {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      items.add(i);
    }
    List<Integer> written = new ArrayList<>();
    var rejected = BatchSplitter.write(items, batch -> {
      if (batch.contains(13) || batch.contains(77)) {
        throw new WriteRejectedException("bad " + batch.size(), null);
      }
      written.addAll(batch);
    });
    assertThat(rejected).extracting(BatchSplitter.Rejected::item).containsExactly(13, 77);
    assertThat(rejected.get(0).reason()).isEqualTo("bad 1");
    assertThat(written).hasSize(98).doesNotContain(13, 77);
  }

  @Test
  void splitterPropagatesTransientFailures() {
    assertThatThrownBy(() -> BatchSplitter.write(List.of(1, 2), b -> {
      throw new StoreUnavailableException("down", null);
    })).isInstanceOf(StoreUnavailableException.class);
  }
}
