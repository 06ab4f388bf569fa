package io.beacon.store.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.store.questdb.LineEncoder;
import io.beacon.store.questdb.LineProtocol;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hits topic's codec carries every hit field, {@code non_interaction} (UA's {@code ni=1}) included. */
class HitCodecTest {
  private static final Hit UA = Hit.builder().propertyId("UA-1").clientId("555").requestId("z1")
      .ts(1_700_000_000_000L).receivedAt(1_700_000_000_250L).eventName("scroll_depth")
      .params(Map.of("event_category", "scroll")).keyEvent(false).protocol("ua").build();

  @Test
  void nonInteractionRoundTripsUnderItsSnakeCaseNameAndIsLeftOutWhenNull() {
    Hit ni = UA.toBuilder().nonInteraction(true).build();
    String json = new String(HitCodec.encode(ni), StandardCharsets.UTF_8);
    assertThat(json).contains("\"non_interaction\":true");
    assertThat(HitCodec.decode(HitCodec.encode(ni))).isEqualTo(ni);
    Hit no = UA.toBuilder().nonInteraction(false).build();
    assertThat(HitCodec.decode(HitCodec.encode(no))).isEqualTo(no);
    // Null (an interaction) is not written; a record from before the field decodes as null.
    assertThat(new String(HitCodec.encode(UA), StandardCharsets.UTF_8)).doesNotContain("non_interaction");
    assertThat(HitCodec.decode(HitCodec.encode(UA)).nonInteraction()).isNull();
  }

  @Test
  void theRawLineCarriesItOnBothPaths() {
    Hit ni = UA.toBuilder().nonInteraction(true).build();
    String line = LineProtocol.line(ni);
    assertThat(line).contains("non_interaction=true");
    LineEncoder encoder = new LineEncoder();
    StringBuilder fast = new StringBuilder();
    encoder.append(HitCodec.encode(ni), fast);
    assertThat(encoder.fastLines()).isEqualTo(1);
    assertThat(fast.toString()).isEqualTo(line);
    assertThat(LineProtocol.line(UA)).doesNotContain("non_interaction");
  }
}
