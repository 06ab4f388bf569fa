package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The ids a property takes over from GA (bring-your-own ids) as the admin API reads them: stream ids spelled as the
 * collector looks them up, a GA4 property id as digits, an api secret copied from GA4.
 */
class ExternalIdsSettingTest {
  @Test
  void streamIdsAreStoredAsTheCollectorLooksThemUp() {
    assertThat(AdminHandler.streamIds(new JsonObject().put("streamIds", new JsonArray().add(" g-abc123xyz ")
        .add("UA-1234567-1").add("1:1234567890:IOS:00AA11").add("G-ABC123XYZ"))))
        .containsExactly("G-ABC123XYZ", "UA-1234567-1", "1:1234567890:ios:00aa11");
    assertThatThrownBy(() -> AdminHandler.streamIds(new JsonObject().put("streamIds", new JsonArray().add("B-1234"))))
        .isInstanceOf(ApiException.class).hasMessageStartingWith("streamIds[0]: must be a GA4 measurement id");
  }

  @Test
  void aGa4PropertyIdIsItsDigitsWithOrWithoutTheResourceName() {
    assertThat(AdminHandler.gaPropertyId(new JsonObject().put("gaPropertyId", "properties/123456789")))
        .isEqualTo("123456789");
    assertThat(AdminHandler.gaPropertyId(new JsonObject().put("gaPropertyId", 123456789))).isEqualTo("123456789");
    assertThat(AdminHandler.gaPropertyId(new JsonObject())).isNull();
    for (Object bad : new Object[] {"G-ABC123", "12a", "", -5, "properties/"}) {
      assertThatThrownBy(() -> AdminHandler.gaPropertyId(new JsonObject().put("gaPropertyId", bad))).as("%s", bad)
          .isInstanceOf(ApiException.class).hasMessageStartingWith("gaPropertyId: must be a GA4 property id");
    }
  }

  @Test
  void anApiSecretCopiedFromGa4IsTakenAndAWeakOneRefused() {
    assertThat(AdminHandler.chosenSecret(new JsonObject().put("apiSecret", "AbCdEfGhIjKlMnOpQrStUv")))
        .isEqualTo("AbCdEfGhIjKlMnOpQrStUv");
    assertThat(AdminHandler.chosenSecret(new JsonObject())).isNull();
    for (Object bad : new Object[] {"short", "has spaces in it ok?", 42, "x".repeat(129)}) {
      assertThatThrownBy(() -> AdminHandler.chosenSecret(new JsonObject().put("apiSecret", bad))).as("%s", bad)
          .isInstanceOf(ApiException.class).hasMessageStartingWith("apiSecret: must be 16-128");
    }
  }
}
