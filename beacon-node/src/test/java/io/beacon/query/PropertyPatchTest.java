package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.api.ApiException;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Finding "PATCH of a property is a full replace where a missing boolean means false" (Hardening). */
class PropertyPatchTest {
  private static final PropertyRecord CURRENT = new PropertyRecord("B-1", "Shop", "Europe/Berlin",
      Set.of("shop.example"), "secret", Set.of("purchase"), 30, true, true, Instant.EPOCH, Instant.EPOCH);

  @Test
  void renamingAPropertyKeepsItsDntCookielessAndOtherSettings() {
    AdminHandler.PropertySettings s = AdminHandler.PropertySettings.patch(CURRENT, new JsonObject().put("name", "Store"));
    assertThat(s).isEqualTo(new AdminHandler.PropertySettings("Store", "Europe/Berlin", Set.of("shop.example"),
        Set.of("purchase"), 30, true, true));
  }

  @Test
  void aNamedSettingIsReplacedAndAnExplicitNullClearsRetention() {
    AdminHandler.PropertySettings s = AdminHandler.PropertySettings.patch(CURRENT,
        new JsonObject().put("respectDnt", false).putNull("retentionDays").put("keyEvents", new io.vertx.core.json.JsonArray()));
    assertThat(s.respectDnt()).isFalse();
    assertThat(s.cookieless()).isTrue();
    assertThat(s.retentionDays()).isNull();
    assertThat(s.keyEvents()).isEmpty();
    assertThat(s.name()).isEqualTo("Shop");
  }

  @Test
  void aPatchIsValidatedLikeACreate() {
    assertThatThrownBy(() -> AdminHandler.PropertySettings.patch(CURRENT, new JsonObject().put("timeZone", "Mars/Base")))
        .isInstanceOf(ApiException.class).hasMessageContaining("IANA");
    assertThatThrownBy(() -> AdminHandler.PropertySettings.patch(CURRENT, new JsonObject().put("cookieless", "yes")))
        .isInstanceOf(ApiException.class);
  }
}
