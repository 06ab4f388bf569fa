package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A property's Plausible domains as the admin API takes them: spelled as the collector looks them up, validated. */
class PlausibleDomainsSettingTest {
  @Test
  void domainsAreStoredAsTheCollectorLooksThemUp() {
    assertThat(AdminHandler.plausibleDomains(new JsonObject().put("plausibleDomains",
        new JsonArray().add("WWW.Shop.Example").add("shop.example").add(" shop.example/blog ").add("localhost:3000"))))
        .containsExactly("shop.example", "shop.example/blog", "localhost:3000");
    assertThat(AdminHandler.plausibleDomains(new JsonObject())).isEmpty();
    assertThat(AdminHandler.plausibleDomains(new JsonObject().putNull("plausibleDomains"))).isEmpty();
  }

  @Test
  void whatIsNotADomainIsA400NamingIt() {
    for (Object bad : new Object[] {"https://shop.example", "a.example,b.example", "", "www.", 42}) {
      assertThatThrownBy(() -> AdminHandler.plausibleDomains(new JsonObject().put("plausibleDomains",
          new JsonArray().add("ok.example").add(bad))))
          .as("%s", bad).isInstanceOf(ApiException.class).hasMessageStartingWith("plausibleDomains[1]: must be a domain");
    }
    assertThatThrownBy(() -> AdminHandler.plausibleDomains(new JsonObject().put("plausibleDomains", "shop.example")))
        .isInstanceOf(ApiException.class).hasMessageContaining("must be an array");
    JsonArray many = new JsonArray();
    for (int i = 0; i <= 50; i++) {
      many.add("d" + i + ".example");
    }
    assertThatThrownBy(() -> AdminHandler.plausibleDomains(new JsonObject().put("plausibleDomains", many)))
        .isInstanceOf(ApiException.class).hasMessageContaining("at most 50");
  }
}
