package io.beacon.store.questdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.DedupKey;
import io.beacon.model.Hit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The raw row's codec, the schema script and the model say the same: one owner, checked. */
class RawHitSchemaTest {
  private static final Pattern CREATE = Pattern.compile("CREATE TABLE IF NOT EXISTS hits \\((.*?)\\) TIMESTAMP",
      Pattern.DOTALL);
  private static final Pattern ADD = Pattern.compile("ALTER TABLE hits ADD COLUMN IF NOT EXISTS (\\w+)");
  private static final Pattern DEDUP = Pattern.compile("UPSERT KEYS\\(([^)]*)\\)");

  @Test
  void everyColumnOfTheScriptIsInTheCodecAndBack() throws IOException {
    String sql = script();
    Set<String> inScript = new LinkedHashSet<>();
    Matcher create = CREATE.matcher(sql);
    assertThat(create.find()).isTrue();
    for (String line : create.group(1).split(",\n")) {
      inScript.add(line.strip().split("\\s+")[0]);
    }
    Matcher add = ADD.matcher(sql);
    while (add.find()) {
      inScript.add(add.group(1));
    }
    assertThat(inScript).containsExactlyInAnyOrderElementsOf(
        RawHitColumn.all().stream().map(RawHitColumn::column).toList());
  }

  @Test
  void everyComponentOfTheHitHasAColumn() {
    List<String> components = Arrays.stream(Hit.class.getRecordComponents())
        .map(c -> c.getName().replaceAll("([A-Z])", "_$1").toLowerCase())
        .filter(c -> !RawHitColumn.TRANSIT_ONLY.contains(c)).toList();
    assertThat(RawHitColumn.all().stream().map(RawHitColumn::column)).containsExactlyInAnyOrderElementsOf(components);
  }

  @Test
  void theUpsertKeysAreTheModelsDuplicate() throws IOException {
    Matcher dedup = DEDUP.matcher(script());
    String last = null;
    while (dedup.find()) {
      last = dedup.group(1);
    }
    assertThat(last).isNotNull();
    assertThat(Arrays.stream(last.split(",")).map(String::strip).toList())
        .isEqualTo(RawHitColumn.DEDUP_KEY.stream().map(RawHitColumn::column).toList());
    DedupKey key = new DedupKey("p", "c", "r");
    Hit hit = Hit.builder().propertyId("p").clientId("c").requestId("r").ts(1L).build();
    assertThat(RawHitColumn.DEDUP_KEY.stream().filter(c -> c != RawHitColumn.TS).map(c -> c.of(hit)).toList())
        .as("the upsert keys besides ts read the DedupKey's ids").containsExactly(key.propertyId(), key.clientId(),
            key.requestId());
  }

  @Test
  void aHitRoundTripsThroughTheColumns() {
    Hit hit = Hit.builder().propertyId("p").clientId("c").requestId("r").ts(1_700_000_000_000L)
        .receivedAt(1_700_000_000_500L).eventName("page_view").params(java.util.Map.of("k", "v"))
        .engagementMs(12L).isBot(false).sessionNumber(3).nonInteraction(true)
        .deviceModel("Pixel 8").deviceBrand("Google").build();
    Hit.Builder copy = Hit.builder();
    for (RawHitColumn c : RawHitColumn.all()) {
      c.set(copy, c.of(hit));
    }
    assertThat(copy.build()).isEqualTo(hit);
  }

  private static String script() throws IOException {
    try (InputStream in = RawHitSchemaTest.class.getClassLoader().getResourceAsStream("schema/questdb.sql")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
