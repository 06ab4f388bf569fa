package io.beacon.query.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Finding "Login has no Origin/content-type check" (Hardening, Accounts): the pure check. */
class OriginsTest {
  @Test
  void theDashboardsOwnOriginPassesAndOthersDoNot() {
    assertThat(Origins.crossSiteProblem(null, null, "dash.example:8443")).as("a tool: no Origin").isNull();
    assertThat(Origins.crossSiteProblem("https://dash.example:8443", "same-origin", "dash.example:8443")).isNull();
    assertThat(Origins.crossSiteProblem("https://Dash.Example", null, "dash.example")).isNull();
    assertThat(Origins.crossSiteProblem("https://dash.example", null, "dash.example:443")).isNull();
    assertThat(Origins.crossSiteProblem("http://[::1]:8081", null, "[::1]:8081")).isNull();
    assertThat(Origins.crossSiteProblem(null, "none", "dash.example")).as("typed in the address bar").isNull();

    assertThat(Origins.crossSiteProblem("https://evil.example", null, "dash.example")).isNotNull();
    assertThat(Origins.crossSiteProblem("https://dash.example:444", null, "dash.example")).isNotNull();
    assertThat(Origins.crossSiteProblem("http://dash.example", null, "dash.example:8081")).isNotNull();
    assertThat(Origins.crossSiteProblem("null", null, "dash.example")).as("a sandboxed frame").isNotNull();
    assertThat(Origins.crossSiteProblem(null, "cross-site", "dash.example")).isNotNull();
    assertThat(Origins.crossSiteProblem(null, "same-site", "dash.example")).as("a sibling subdomain").isNotNull();
    assertThat(Origins.crossSiteProblem("https://dash.example", null, null)).isNotNull();
  }

  @Test
  void onlyJsonIsALoginBody() {
    assertThat(Origins.isJson("application/json")).isTrue();
    assertThat(Origins.isJson("Application/JSON; charset=utf-8")).isTrue();
    assertThat(Origins.isJson("text/plain")).isFalse();
    assertThat(Origins.isJson("application/x-www-form-urlencoded")).isFalse();
    assertThat(Origins.isJson(null)).isFalse();
  }
}
