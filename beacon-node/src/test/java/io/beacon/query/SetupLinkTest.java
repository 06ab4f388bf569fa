package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.query.AccessHarness.Client;
import io.beacon.query.auth.Secrets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The first run's setup link (/dashboard/#setup=CODE): the code is the first administrator's generated one-time
 * password. It answers that administrator's email (for the page to prefill) while the password is unchanged, then the
 * dashboard logs in with it and sets a new password through the usual endpoints; from then on the code opens nothing.
 * On the query role's real handlers over an in-memory account store ({@link AccessHarness}).
 */
class SetupLinkTest {
  private static final String CODE = "the-generated-one-time-code";
  private static final String NEW_PW = "my own long password";

  private AccessHarness h;
  private int port;

  @BeforeEach
  void start() throws Exception {
    h = new AccessHarness(1);
    port = h.nodes.get(0).port();
    // As BootstrapAdmin creates it without query.adminPassword: an administrator who must change the password.
    AccessHarness.await(h.nodes.get(0).accounts().createUser(AccessHarness.SETUP_ADMIN, Secrets.hashPassword(CODE), true, true));
    // ... and writes the code to query.adminPasswordFile on its node.
    Files.writeString(h.adminPasswordFile, CODE + "\n");
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  private HttpResponse<String> setup(Client c, String code) throws Exception {
    return c.post("/api/v1/setup", new JsonObject().put("code", code).encode());
  }

  @Test
  void theCodeOpensTheFirstRunOnceThenNothing() throws Exception {
    Client browser = new Client(port);
    HttpResponse<String> wrong = setup(browser, "not-the-code");
    assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(403);
    assertThat(wrong.body()).doesNotContain(AccessHarness.SETUP_ADMIN);

    HttpResponse<String> opened = setup(browser, CODE);
    assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
    assertThat(new JsonObject(opened.body()).getString("email")).isEqualTo(AccessHarness.SETUP_ADMIN);
    // Opening the link changes nothing: no session yet, the code still logs in once.
    assertThat(browser.get("/api/v1/session").body()).isEqualTo("{}");

    HttpResponse<String> login = browser.login(AccessHarness.SETUP_ADMIN, CODE);
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    assertThat(new JsonObject(login.body()).getBoolean("passwordChangeRequired")).isTrue();
    HttpResponse<String> changed = browser.post("/api/v1/account/password",
        new JsonObject().put("currentPassword", CODE).put("newPassword", NEW_PW).encode());
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(204);
    assertThat(h.adminPasswordFile).as("the replaced one-time password's file").doesNotExist();
    JsonObject who = new JsonObject(browser.get("/api/v1/session").body());
    assertThat(who.getString("email")).isEqualTo(AccessHarness.SETUP_ADMIN);
    assertThat(who.getBoolean("passwordChangeRequired")).isFalse();

    // Used: the link and the code open nothing any more, for anyone.
    Client other = new Client(port);
    HttpResponse<String> again = setup(other, CODE);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(403);
    assertThat(again.body()).doesNotContain(AccessHarness.SETUP_ADMIN);
    assertThat(other.login(AccessHarness.SETUP_ADMIN, CODE).statusCode()).isEqualTo(401);
    assertThat(other.login(AccessHarness.SETUP_ADMIN, NEW_PW).statusCode()).isEqualTo(200);
  }

  @Test
  void anotherAccountsPasswordChangeLeavesTheFileAlone() throws Exception {
    h.user("boss@example.com", "the boss's long password", true);
    Client boss = new Client(port);
    assertThat(boss.login("boss@example.com", "the boss's long password").statusCode()).isEqualTo(200);
    assertThat(boss.post("/api/v1/account/password", new JsonObject().put("currentPassword",
        "the boss's long password").put("newPassword", NEW_PW).encode()).statusCode()).isEqualTo(204);
    assertThat(Files.readString(h.adminPasswordFile).strip()).isEqualTo(CODE);
  }

  @Test
  void anAdministratorWithAPasswordOfTheirOwnHasNoSetupLink() throws Exception {
    h.user("boss@example.com", "the boss's long password", true);
    Client browser = new Client(port);
    Client login = new Client(port);
    assertThat(login.login(AccessHarness.SETUP_ADMIN, CODE).statusCode()).isEqualTo(200);
    assertThat(login.post("/api/v1/account/password",
        new JsonObject().put("currentPassword", CODE).put("newPassword", NEW_PW).encode()).statusCode()).isEqualTo(204);
    // The new password is no code either: only a pending one-time password is.
    assertThat(setup(browser, NEW_PW).statusCode()).isEqualTo(403);
    assertThat(setup(browser, "the boss's long password").statusCode()).isEqualTo(403);
  }

  @Test
  void aPageOfAnotherSiteCannotAsk() throws Exception {
    Client browser = new Client(port);
    browser.headers.put("Origin", "https://evil.example");
    assertThat(setup(browser, CODE).statusCode()).isEqualTo(403);
    Client form = new Client(port);
    assertThat(form.send("POST", "/api/v1/setup", "code=" + CODE, "application/x-www-form-urlencoded").statusCode())
        .isEqualTo(415);
  }
}
