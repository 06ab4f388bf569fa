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
      Set.of("shop.example"), "secret", Set.of("purchase"), 30, true, true, Instant.EPOCH, Instant.EPOCH, 45, null);

  @Test
  void renamingAPropertyKeepsItsDntCookielessAndOtherSettings() {
    AdminHandler.PropertySettings s = AdminHandler.PropertySettings.patch(CURRENT, new JsonObject().put("name", "Store"));
    assertThat(s).isEqualTo(new AdminHandler.PropertySettings("Store", "Europe/Berlin", Set.of("shop.example"),
        Set.of("purchase"), 30, true, true, 45, null, null));
  }

  /** Issue 19 "full URLs with every query parameter are stored": the allow-list is a per-property setting. */
  @Test
  void theQueryParameterPolicyIsAPatchableSettingDefaultingToTheAllowList() {
    assertThat(AdminHandler.PropertySettings.patch(CURRENT, new JsonObject()).keptQueryParams())
        .as("never set: null, the default").isNull();
    AdminHandler.PropertySettings s = AdminHandler.PropertySettings.patch(CURRENT, new JsonObject()
        .put("keptQueryParams", new io.vertx.core.json.JsonArray().add("utm_*").add(" ref ").add("utm_*")));
    assertThat(s.keptQueryParams().kept()).containsExactly("utm_*", "ref");
    PropertyRecord stored = s.toRecord("B-1", null, null, Instant.EPOCH);
    assertThat(stored.keptQueryParams()).isEqualTo("utm_*,ref");
    assertThat(AdminHandler.PropertySettings.patch(stored, new JsonObject().put("name", "Store")).keptQueryParams())
        .as("a patch not naming it keeps it").isEqualTo(s.keptQueryParams());
    assertThat(AdminHandler.PropertySettings.patch(stored, new JsonObject().put("keptQueryParams",
        new io.vertx.core.json.JsonArray())).toRecord("B-1", null, null, Instant.EPOCH).keptQueryParams())
        .as("empty: strip every parameter, stored as such (not as 'default')").isEqualTo("");
    assertThat(AdminHandler.PropertySettings.patch(stored, new JsonObject().putNull("keptQueryParams"))
        .keptQueryParams()).as("explicit null: back to the default").isNull();
    for (String bad : new String[] {"", "a,b", "a=b", "*x", "ut*m", "x".repeat(101), "a b"}) {
      assertThatThrownBy(() -> AdminHandler.PropertySettings.patch(CURRENT, new JsonObject().put("keptQueryParams",
          new io.vertx.core.json.JsonArray().add(bad)))).as(bad).isInstanceOf(ApiException.class)
          .hasMessageContaining("keptQueryParams[0]");
    }
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

  @Test
  void sessionSettingsTakeGa4sRangesAndKeepTheirValueWhenNotNamed() {
    AdminHandler.PropertySettings s = AdminHandler.PropertySettings.patch(CURRENT,
        new JsonObject().put("engagedSessionSeconds", 60));
    assertThat(s.sessionTimeoutMinutes()).isEqualTo(45);
    assertThat(s.sessionRules()).isEqualTo(new io.beacon.model.session.SessionRules(45 * 60_000L, 60_000L));
    assertThat(AdminHandler.PropertySettings.patch(CURRENT, new JsonObject().putNull("sessionTimeoutMinutes"))
        .sessionRules()).as("null: GA4's defaults").isEqualTo(io.beacon.model.session.SessionRules.GA4);
    for (Object bad : new Object[] {4, 476, "30", 30.5}) {
      assertThatThrownBy(() -> AdminHandler.PropertySettings.patch(CURRENT,
          new JsonObject().put("sessionTimeoutMinutes", bad))).isInstanceOf(ApiException.class)
          .hasMessageContaining("from 5 to 475");
    }
    for (Object bad : new Object[] {9, 61}) {
      assertThatThrownBy(() -> AdminHandler.PropertySettings.patch(CURRENT,
          new JsonObject().put("engagedSessionSeconds", bad))).isInstanceOf(ApiException.class)
          .hasMessageContaining("from 10 to 60");
    }
  }
}
