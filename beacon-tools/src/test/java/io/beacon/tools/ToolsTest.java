package io.beacon.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.beacon.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code beacon}'s command lines: help, version, usage errors, and the options reaching the API (a stub). */
class ToolsTest {
  private ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ByteArrayOutputStream err = new ByteArrayOutputStream();
  private HttpServer api;
  /** "METHOD PATH AUTHORIZATION BODY" of every request the stub API got. */
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopApi() {
    if (api != null) {
      api.stop(0);
    }
  }

  private int run(Map<String, String> env, String... args) {
    out = new ByteArrayOutputStream();
    err = new ByteArrayOutputStream();
    return Tools.run(args, new Cli.Io(env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
  }

  private int run(String... args) {
    return run(Map.of(), args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpListsEveryCommandOnStdout() {
    assertThat(run("--help")).isZero();
    assertThat(out()).startsWith("Usage: beacon").contains("token", "property", "recompute", "generate", "verify");
    assertThat(err()).isEmpty();
  }

  @Test
  void everyCommandHasItsHelp() {
    for (String command : List.of("token", "token create", "property", "property create", "property list",
        "property show", "property update", "property rotate-secret", "property delete", "property restore",
        "key-event", "key-event add", "user", "user create", "user update", "user grant", "password", "recompute",
        "generate", "verify", "annotation", "annotation add", "annotation list", "annotation update",
        "annotation remove")) {
      String[] words = (command + " --help").split(" ");
      assertThat(run(words)).as(command).isZero();
      assertThat(out()).as(command).startsWith("Usage: beacon " + command);
    }
    run("recompute", "--help");
    assertThat(out()).contains("--url", "$BEACON_URL", "--token", "$BEACON_TOKEN", "--no-wait", "--status",
        "--cancel");
    run("generate", "--help");
    assertThat(out()).contains("(default: 10000)", "(default: http://localhost:8080)", "(default: 1m)");
  }

  @Test
  void versionComesFromTheManifestElseDev() {
    assertThat(run("--version")).isZero();
    assertThat(out().strip()).matches("Beacon \\S+");
    assertThat(run("recompute", "--version")).isZero();
    assertThat(out().strip()).matches("Beacon \\S+");
  }

  @Test
  void badUsageExitsTwoNamingTheOption() {
    assertThat(run()).isEqualTo(2);
    assertThat(err()).contains("Missing required subcommand");
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err()).contains("'frobnicate'");
    assertThat(run("property", "list", "--bogus")).isEqualTo(2);
    assertThat(err()).startsWith("beacon: Unknown option: '--bogus'").contains("See 'beacon property list --help'");
    assertThat(out()).isEmpty();
    assertThat(run("token", "create")).isEqualTo(2);
    assertThat(err()).contains("--email");
    assertThat(run("property", "create", "--time-zone", "UTC")).isEqualTo(2);
    assertThat(err()).contains("--name");
    assertThat(run("recompute")).isEqualTo(2);
    assertThat(err()).contains("--status", "--cancel", "--property");
    assertThat(run("recompute", "--property", "B-1", "--from", "2025-01-01")).isEqualTo(2);
    assertThat(err()).contains("Missing required argument(s): --to");
    assertThat(run("recompute", "--status", "a", "--cancel", "b")).isEqualTo(2);
    assertThat(err()).contains("mutually exclusive");
    assertThat(run("generate", "--propety", "B-1")).as("a misspelt option is named first").isEqualTo(2);
    assertThat(err()).startsWith("beacon: Unknown options: '--propety', 'B-1'").contains("--property");
    assertThat(run("generate", "--property", "B-1", "--hits", "many")).isEqualTo(2);
    assertThat(err()).contains("'--hits'");
    assertThat(run("generate", "--property", "B-1", "--give-up-after", "soon")).isEqualTo(2);
    assertThat(err()).contains("'--give-up-after'");
    assertThat(run("generate", "--property", "B-1", "--seed", "1", "--seed", "2")).isEqualTo(2);
    assertThat(err()).contains("'--seed'");
    assertThat(run("verify", "--truth", "t.json")).isEqualTo(2);
    assertThat(err()).contains("--token (or BEACON_TOKEN) is required");
  }

  @Test
  void adminCommandsUseTheEnvironmentUnlessTheOptionsSayOtherwise() throws IOException {
    String url = startApi();
    Map<String, String> env = Map.of("BEACON_URL", url, "BEACON_TOKEN", "from-env");
    assertThat(run(env, "property", "list")).isZero();
    assertThat(out()).contains("\"properties\"");
    assertThat(run(env, "property", "list", "--token", "from-option")).isZero();
    assertThat(run(Map.of(), "property", "--url", url + "/", "--token", "t3", "list")).isZero();
    assertThat(run(env, "property", "create", "--name", "Shop", "--hosts", "a.com,b.com")).isZero();
    assertThat(run(env, "property", "create", "--name", "Blog", "--plausible-domains", "blog.example,news.example")).isZero();
    Map<String, String> withSecret = new java.util.HashMap<>(env);
    withSecret.put("GA_SECRET", "AbCdEfGhIjKlMnOpQrStUv");
    assertThat(run(withSecret, "property", "create", "--name", "App", "--stream-ids", "G-SHOP12345,1:123:ios:ab",
        "--ga-property-id", "123456789", "--api-secret-from-env", "GA_SECRET")).isZero();
    assertThat(requests).containsExactly(
        "GET /api/v1/admin/properties Bearer from-env ",
        "GET /api/v1/admin/properties Bearer from-option ",
        "GET /api/v1/admin/properties Bearer t3 ",
        "POST /api/v1/admin/properties Bearer from-env "
            + "{\"name\":\"Shop\",\"timeZone\":\"UTC\",\"allowedHostnames\":[\"a.com\",\"b.com\"]}",
        "POST /api/v1/admin/properties Bearer from-env "
            + "{\"name\":\"Blog\",\"timeZone\":\"UTC\",\"allowedHostnames\":null,"
            + "\"plausibleDomains\":[\"blog.example\",\"news.example\"]}",
        "POST /api/v1/admin/properties Bearer from-env "
            + "{\"name\":\"App\",\"timeZone\":\"UTC\",\"allowedHostnames\":null,"
            + "\"streamIds\":[\"G-SHOP12345\",\"1:123:ios:ab\"],\"gaPropertyId\":\"123456789\","
            + "\"apiSecret\":\"AbCdEfGhIjKlMnOpQrStUv\"}");
  }

  @Test
  void recomputeNoWaitPrintsTheJobIdAndARefusalExitsThree() throws IOException {
    String url = startApi();
    Map<String, String> env = Map.of("BEACON_URL", url, "BEACON_TOKEN", "t");
    assertThat(run(env, "recompute", "--property", "B-1", "--from", "2025-01-01", "--to", "2025-01-02", "--no-wait"))
        .isZero();
    assertThat(out()).isEqualTo("job-1" + System.lineSeparator());
    assertThat(err()).contains("Recompute job job-1 queued (property B-1, 2025-01-01 to 2025-01-02)");
    assertThat(run(env, "recompute", "--status", "job-1")).isZero();
    assertThat(err()).contains("100%  2/2 days");
    assertThat(run(Map.of("BEACON_URL", url), "property", "list")).isEqualTo(3);
    assertThat(err()).isEqualTo("beacon: 401 missing token" + System.lineSeparator());
  }

  @Test
  void deleteRepeatsTheIdAndRestoreTakesThePropertyOutOfTheTrash() throws IOException {
    String url = startApi();
    Map<String, String> env = Map.of("BEACON_URL", url, "BEACON_TOKEN", "t");
    assertThat(run(env, "property", "delete", "B-1")).as("no --confirm").isEqualTo(2);
    assertThat(err()).contains("--confirm");
    assertThat(run(env, "property", "delete", "B-1", "--confirm", "B-2")).as("another id").isEqualTo(2);
    assertThat(err()).contains("--confirm must repeat the property id (B-1)");
    assertThat(run(env, "property", "restore")).as("neither an id nor --list").isEqualTo(2);
    assertThat(requests).as("nothing sent").isEmpty();
    assertThat(run(env, "property", "delete", "B-1", "--confirm", "B-1")).isZero();
    assertThat(run(env, "property", "restore", "B-1")).isZero();
    assertThat(run(env, "property", "restore", "--list")).isZero();
    assertThat(requests).containsExactly(
        "DELETE /api/v1/admin/properties/B-1 Bearer t {\"confirm\":\"B-1\"}",
        "POST /api/v1/admin/properties/B-1/restore Bearer t ",
        "GET /api/v1/admin/properties Bearer t ");
    run("property", "delete", "--help");
    assertThat(out()).contains("trash", "35", "--confirm");
  }

  @Test
  void eraseSendsOnePersonOfOnePropertyToTheAdminApi() throws IOException {
    String url = startApi();
    Map<String, String> env = Map.of("BEACON_URL", url, "BEACON_TOKEN", "t");
    assertThat(run(env, "erase", "--property", "B-1", "--client-id", "c.1")).isZero();
    assertThat(run(env, "erase", "--property", "B-1", "--user-id", "u-1")).isZero();
    assertThat(requests).containsExactly(
        "POST /api/v1/admin/erasures Bearer t {\"property\":\"B-1\",\"clientId\":\"c.1\"}",
        "POST /api/v1/admin/erasures Bearer t {\"property\":\"B-1\",\"userId\":\"u-1\"}");
    assertThat(run(env, "erase", "--property", "B-1")).as("no id").isEqualTo(2);
    assertThat(run(env, "erase", "--property", "B-1", "--client-id", "c", "--user-id", "u")).as("both").isEqualTo(2);
    assertThat(run(env, "erase", "--client-id", "c")).as("no property").isEqualTo(2);
  }

  @Test
  void annotationCommandsSendWhatTheAnnotationsApiTakes() throws IOException {
    String url = startApi();
    Map<String, String> env = Map.of("BEACON_URL", url, "BEACON_TOKEN", "t");
    assertThat(run(env, "annotation", "add", "--property", "B-1", "--date", "2026-12-01", "--title", "Launch",
        "--description", "v2 is out")).isZero();
    assertThat(run(env, "annotation", "list", "--property", "B-1", "--from", "2026-12-01")).isZero();
    assertThat(run(env, "annotation", "update", "--property", "B-1", "a-1", "--title", "Launch day")).isZero();
    assertThat(run(env, "annotation", "remove", "--property", "B-1", "a-1")).isZero();
    assertThat(out()).contains("\"deleted\" : \"a-1\"");
    assertThat(requests).containsExactly(
        "POST /api/v1/properties/B-1/annotations Bearer t {\"date\":\"2026-12-01\",\"title\":\"Launch\","
            + "\"description\":\"v2 is out\"}",
        "GET /api/v1/properties/B-1/annotations Bearer t ",
        "PATCH /api/v1/properties/B-1/annotations/a-1 Bearer t {\"title\":\"Launch day\"}",
        "DELETE /api/v1/properties/B-1/annotations/a-1 Bearer t ");
    assertThat(run(env, "annotation", "add", "--property", "B-1", "--title", "no date")).as("no date").isEqualTo(2);
  }

  @Test
  void propertyKeyEventUserAndPasswordCommandsSendWhatTheAdminApiTakes() throws IOException {
    String url = startApi();
    Map<String, String> env = Map.of("BEACON_URL", url, "BEACON_TOKEN", "t", "BEACON_PASSWORD", "old password 1",
        "BEACON_NEW_PASSWORD", "new password 12");
    assertThat(run(env, "property", "create", "--name", "Shop", "--hosts", "shop.example", "--key-events",
        "purchase,sign_up")).isZero();
    assertThat(run(env, "property", "show", "B-1")).isZero();
    assertThat(run(env, "property", "update", "B-1", "--respect-dnt", "true", "--hosts", "", "--retention-days", "30"))
        .isZero();
    assertThat(run(env, "property", "rotate-secret", "B-1")).isZero();
    assertThat(run(env, "key-event", "add", "--property", "B-1", "sign_up")).isZero();
    assertThat(out()).contains("\"purchase\"", "\"sign_up\"");
    assertThat(run(env, "key-event", "remove", "--property", "B-1", "purchase")).isZero();
    assertThat(run(env, "user", "create", "--email", "ana@example.com")).isZero();
    assertThat(run(env, "user", "update", "ana@example.com", "--disable")).isZero();
    assertThat(run(env, "user", "grant", "ana@example.com", "--property", "B-1", "--role", "viewer")).isZero();
    assertThat(run(env, "user", "revoke", "ana@example.com", "--property", "B-1")).isZero();
    assertThat(run(env, "user", "delete", "ana@example.com")).isZero();
    assertThat(run(env, "password", "--email", "root@example.com")).isZero();
    assertThat(requests).containsExactly(
        "POST /api/v1/admin/properties Bearer t {\"name\":\"Shop\",\"timeZone\":\"UTC\","
            + "\"allowedHostnames\":[\"shop.example\"],\"keyEvents\":[\"purchase\",\"sign_up\"]}",
        "GET /api/v1/admin/properties/B-1 Bearer t ",
        "PATCH /api/v1/admin/properties/B-1 Bearer t {\"allowedHostnames\":[],\"retentionDays\":30,"
            + "\"respectDnt\":true}",
        "POST /api/v1/admin/properties/B-1/secret Bearer t {}",
        "GET /api/v1/admin/properties/B-1 Bearer t ",
        "PATCH /api/v1/admin/properties/B-1 Bearer t {\"keyEvents\":[\"purchase\",\"sign_up\"]}",
        "GET /api/v1/admin/properties/B-1 Bearer t ",
        "PATCH /api/v1/admin/properties/B-1 Bearer t {\"keyEvents\":[]}",
        "POST /api/v1/admin/users Bearer t {\"email\":\"ana@example.com\",\"password\":\"new password 12\","
            + "\"admin\":false,\"mustChangePassword\":true}",
        "PATCH /api/v1/admin/users/ana@example.com Bearer t {\"disabled\":true}",
        "PUT /api/v1/admin/properties/B-1/roles/ana@example.com Bearer t {\"role\":\"viewer\"}",
        "DELETE /api/v1/admin/properties/B-1/roles/ana@example.com Bearer t ",
        "DELETE /api/v1/admin/users/ana@example.com Bearer t ",
        // A password change logs in (a session, not the token) and changes the password with the session's CSRF token.
        "POST /api/v1/login null {\"email\":\"root@example.com\",\"password\":\"old password 1\"}",
        "POST /api/v1/account/password null {\"currentPassword\":\"old password 1\","
            + "\"newPassword\":\"new password 12\"}");
    assertThat(run(env, "property", "update", "B-1")).as("nothing to change").isEqualTo(2);
    assertThat(run(env, "user", "update", "a@b.c", "--disable", "--enable")).as("exclusive").isEqualTo(2);
    assertThat(run(Map.of("BEACON_URL", url, "BEACON_TOKEN", "t"), "user", "create", "--email", "a@b.c"))
        .as("no password in the environment").isEqualTo(2);
    assertThat(err()).contains("BEACON_NEW_PASSWORD");
  }

  /** A stub of the admin API: 401 without a token, else canned answers. */
  private String startApi() throws IOException {
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/", exchange -> {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = exchange.getRequestURI().getPath();
      requests.add(exchange.getRequestMethod() + " " + path + " " + auth + " " + body);
      int status = 200;
      String answer;
      boolean session = path.equals("/api/v1/login") || exchange.getRequestHeaders().getFirst("X-CSRF-Token") != null;
      if (auth == null && !session) {
        status = 401;
        answer = "{\"error\":{\"message\":\"missing token\"}}";
      } else if (path.equals("/api/v1/admin/recompute")) {
        answer = "{\"jobId\":\"job-1\",\"propertyId\":\"B-1\",\"from\":\"2025-01-01\",\"to\":\"2025-01-02\","
            + "\"status\":\"queued\"}";
      } else if (path.startsWith("/api/v1/admin/recompute/")) {
        answer = "{\"jobId\":\"job-1\",\"status\":\"done\",\"progress\":{\"fraction\":1.0,\"daysDone\":2,"
            + "\"daysTotal\":2,\"hitsScanned\":10}}";
      } else if (exchange.getRequestMethod().equals("PATCH")) {
        answer = body;
      } else if (exchange.getRequestMethod().equals("GET") && path.startsWith("/api/v1/admin/properties/")) {
        answer = "{\"propertyId\":\"B-1\",\"keyEvents\":[\"purchase\"]}";
      } else if (path.equals("/api/v1/login")) {
        answer = "{\"csrfToken\":\"x\",\"passwordChangeRequired\":true}";
      } else if (exchange.getRequestMethod().equals("POST")) {
        answer = "{\"id\":\"B-1\"}";
      } else {
        answer = "{\"properties\":[]}";
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    api.start();
    return "http://127.0.0.1:" + api.getAddress().getPort();
  }
}
