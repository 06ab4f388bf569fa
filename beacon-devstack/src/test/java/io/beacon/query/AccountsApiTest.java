package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.beacon.devstack.LocalStack;
import io.beacon.query.auth.Secrets;
import io.beacon.testing.ApiClient;
import io.beacon.testing.Dashboard;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Finding "Accounts" (Hardening) on two real nodes of one cluster, over a keyspace that holds accounts of the schema
 * before the change (users and tokens without the new columns), as an upgrade finds them: the bootstrap password
 * (owner-only file, not the log, changed at the first login), tokens and sessions of before the upgrade, token
 * revocation and user changes applying on the other node at once, read-only tokens, removable roles, login's origin
 * check, and logs without emails. The unit tests (beacon-node, AccountsHardeningTest) cover each rule in detail.
 */
@ExtendWith(RealStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccountsApiTest {
  private static final String KEYSPACE = "beacon_accounts_it";
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String ADMIN = "first-admin-" + RUN + "@example.com";
  private static final String NEW_ADMIN_PASSWORD = "the admin's own new password";
  private static final String LEGACY = "legacy-" + RUN + "@example.com";
  private static final String LEGACY_PASSWORD = "a legacy user's password";
  private static final String LEGACY_TOKEN = "bk_legacy-" + RUN;
  private static final Path WORK = Path.of("target", "accounts-nodes").toAbsolutePath();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String REPORT = "{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],"
      + "\"metrics\":[{\"name\":\"sessions\"}]}";

  private static LocalStack stack;
  private static CqlSession cql;
  private static NodeProcess a;
  private static NodeProcess b;
  private static String bootstrapPassword;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    stack = s;
    cql = CqlSession.builder().withLocalDatacenter("datacenter1")
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30)).build())
        .addContactPoint(new InetSocketAddress("127.0.0.1", Integer.parseInt(stack.cassandraContactPoint().split(":")[1])))
        .build();
    // The account tables as they shipped before scopes, expiry and user changes, with a user and a token of then.
    cql.execute("CREATE KEYSPACE IF NOT EXISTS " + KEYSPACE
        + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    cql.execute("CREATE TABLE IF NOT EXISTS " + KEYSPACE + ".users (email text PRIMARY KEY, password_hash text,"
        + " is_admin boolean, created_at timestamp)");
    cql.execute("CREATE TABLE IF NOT EXISTS " + KEYSPACE + ".api_tokens (token_hash text PRIMARY KEY, email text,"
        + " name text, created_at timestamp)");
    cql.execute("INSERT INTO " + KEYSPACE + ".users (email, password_hash, is_admin, created_at) VALUES (?, ?, false, ?)",
        LEGACY, Secrets.hashPassword(LEGACY_PASSWORD), Instant.parse("2025-01-01T00:00:00Z"));
    cql.execute("INSERT INTO " + KEYSPACE + ".api_tokens (token_hash, email, name, created_at) VALUES (?, ?, 'old cli', ?)",
        Secrets.sha256(LEGACY_TOKEN), LEGACY, Instant.parse("2025-01-02T00:00:00Z"));

    Cluster cluster = Cluster.fresh(2, 3_000);
    a = node("accounts-a", cluster);
    b = node("accounts-b", cluster);
    a.start();
    b.start();
    a.awaitReady(Duration.ofSeconds(240));
    b.awaitReady(Duration.ofSeconds(240));
  }

  private static NodeProcess node(String name, Cluster cluster) throws Exception {
    Path dir = WORK.resolve(name);
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve("admin-password.txt"));
    return new NodeProcess(name, stack, cluster, Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "2", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_CASSANDRA_KEYSPACE", KEYSPACE, "BEACON_QUERY_ADMIN_EMAIL", ADMIN,
        "BEACON_QUERY_ADMIN_PASSWORD_FILE", dir.resolve("admin-password.txt").toString()));
  }

  @AfterAll
  static void stop() {
    for (NodeProcess n : new NodeProcess[] {a, b}) {
      if (n != null) {
        n.close();
      }
    }
    if (cql != null) {
      cql.close();
    }
  }

  private static HttpResponse<String> post(int port, String path, String body, String contentType,
      Map<String, String> headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30));
    if (contentType != null) {
      r.header("Content-Type", contentType);
    }
    headers.forEach(r::header);
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Dashboard admin(NodeProcess node) throws Exception {
    return Dashboard.login(node.queryPort, ADMIN, NEW_ADMIN_PASSWORD);
  }

  /** Polls {@code status} until it answers {@code expected}, for at most 3 s (well under the 10 s a node keeps a lookup). */
  private static void soon(String what, int expected, Callable<Integer> status) {
    Awaitility.await(what).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).until(status,
        s -> s == expected);
  }

  @Test
  @Order(1)
  void theBootstrapPasswordIsInAnOwnerOnlyFileNotInTheLogAndTheFirstLoginMustChangeIt() throws Exception {
    List<Path> files;
    try (Stream<Path> all = Files.walk(WORK)) {
      files = all.filter(p -> p.getFileName().toString().equals("admin-password.txt")).toList();
    }
    assertThat(files).as("one node created the administrator and wrote the file").hasSize(1);
    assertThat(Files.getPosixFilePermissions(files.get(0))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    bootstrapPassword = Files.readString(files.get(0)).strip();
    assertThat(a.log() + b.log()).doesNotContain(bootstrapPassword).contains(files.get(0).toString());

    // Logged in on the node that wrote the file: that node deletes it once the password is changed (another node
    // would leave it to the writer's next start).
    NodeProcess writer = files.get(0).startsWith(WORK.resolve("accounts-a")) ? a : b;
    Dashboard first = Dashboard.login(writer.queryPort, ADMIN, bootstrapPassword);
    assertThat(first.get("/api/v1/session").body()).contains("\"passwordChangeRequired\":true");
    HttpResponse<String> blocked = first.get("/api/v1/admin/properties");
    assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(403);
    assertThat(first.post("/api/v1/tokens", "{\"name\":\"x\"}").statusCode()).isEqualTo(403);
    HttpResponse<String> changed = first.post("/api/v1/account/password", new JsonObject()
        .put("currentPassword", bootstrapPassword).put("newPassword", NEW_ADMIN_PASSWORD).encode());
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(204);
    assertThat(files.get(0)).as("the spent one-time password's file").doesNotExist();
    assertThat(first.get("/api/v1/admin/properties").statusCode()).isEqualTo(200);
    assertThat(Dashboard.tryLogin(Dashboard.anonymous(a.queryPort), ADMIN, bootstrapPassword).statusCode())
        .as("the one-time password is spent").isEqualTo(401);
    assertThat(admin(a).get("/api/v1/admin/users").statusCode()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void tokensAndUsersOfBeforeTheUpgradeKeepWorkingAsTheyDid() throws Exception {
    ApiClient legacy = new ApiClient(a.queryPort, LEGACY_TOKEN);
    HttpResponse<String> list = legacy.get("/api/v1/tokens");
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    JsonObject listed = new JsonObject(list.body()).getJsonArray("tokens").getJsonObject(0);
    assertThat(listed.getString("name")).isEqualTo("old cli");
    assertThat(listed.getString("scope")).as("full access, as before scopes").isEqualTo("admin");
    assertThat(listed.getValue("expiresAt")).as("no expiry, as before").isNull();
    assertThat(listed.getBoolean("current")).isTrue();
    assertThat(list.body()).doesNotContain(Secrets.sha256(LEGACY_TOKEN));
    assertThat(legacy.post("/api/v1/admin/properties", "{\"name\":\"Legacy\"}").statusCode()).isEqualTo(201);
    Dashboard session = Dashboard.login(b.queryPort, LEGACY, LEGACY_PASSWORD);
    assertThat(new JsonObject(session.get("/api/v1/admin/properties").body()).getJsonArray("properties")).hasSize(1);
  }

  @Test
  @Order(3)
  void aRevokedTokenStopsWorkingOnTheOtherNodeAtOnceAndNewTokensExpireAndHaveScopes() throws Exception {
    Dashboard admin = admin(a);
    HttpResponse<String> created = admin.post("/api/v1/tokens", "{\"name\":\"everywhere\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject t = new JsonObject(created.body());
    assertThat(Instant.parse(t.getString("expiresAt"))).isBetween(Instant.now().plus(Duration.ofDays(89)),
        Instant.now().plus(Duration.ofDays(91)));
    ApiClient onB = new ApiClient(b.queryPort, t.getString("token"));
    assertThat(onB.get("/api/v1/admin/properties").statusCode()).isEqualTo(200); // node b keeps the answer now
    HttpResponse<String> revoked = admin.send("DELETE", "/api/v1/tokens/" + t.getString("id"), null, true);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(204);
    soon("the revoked token refused on the other node", 401, () -> onB.get("/api/v1/admin/properties").statusCode());

    // A read-only token reads reports but changes nothing and sees no api secret.
    String property = new JsonObject(admin.post("/api/v1/admin/properties", "{\"name\":\"Scoped\"}").body())
        .getString("propertyId");
    ApiClient reader = new ApiClient(b.queryPort, new JsonObject(admin.post("/api/v1/tokens",
        "{\"name\":\"reader\",\"scope\":\"read\"}").body()).getString("token"));
    HttpResponse<String> report = reader.post("/api/v1/properties/" + property + ":runReport", REPORT);
    assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
    HttpResponse<String> read = reader.get("/api/v1/admin/properties/" + property);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(read.body()).containsKey("apiSecret")).isFalse();
    assertThat(reader.send("PATCH", "/api/v1/admin/properties/" + property, "{\"name\":\"Renamed\"}").statusCode())
        .isEqualTo(403);
    assertThat(reader.post("/api/v1/admin/properties/" + property + "/secret", "{}").statusCode()).isEqualTo(403);
  }

  @Test
  @Order(4)
  void disablingDeletingAndRemovingRolesApplyOnEveryNodeAtOnce() throws Exception {
    Dashboard admin = admin(a);
    String user = "ann-" + RUN + "@example.com";
    assertThat(admin.post("/api/v1/admin/users", "{\"email\":\"" + user + "\",\"password\":\"ann's long password\"}")
        .statusCode()).isEqualTo(201);
    String property = new JsonObject(admin.post("/api/v1/admin/properties", "{\"name\":\"Roles\"}").body())
        .getString("propertyId");
    assertThat(admin.send("PUT", "/api/v1/admin/properties/" + property + "/roles/" + user, "{\"role\":\"viewer\"}", true)
        .statusCode()).isEqualTo(200);
    Dashboard ann = Dashboard.login(b.queryPort, user, "ann's long password");
    ApiClient annTool = new ApiClient(b.queryPort, new JsonObject(ann.post("/api/v1/tokens", "{\"name\":\"t\"}").body())
        .getString("token"));
    String report = "/api/v1/properties/" + property + ":runReport";
    assertThat(ann.post(report, REPORT).statusCode()).isEqualTo(200);
    assertThat(annTool.post(report, REPORT).statusCode()).isEqualTo(200);

    assertThat(admin.send("PATCH", "/api/v1/admin/users/" + user, "{\"disabled\":true}", true).statusCode())
        .isEqualTo(200);
    soon("the disabled user's session refused on the other node", 401, () -> ann.post(report, REPORT).statusCode());
    soon("the disabled user's token refused on the other node", 401, () -> annTool.post(report, REPORT).statusCode());
    assertThat(admin.send("PATCH", "/api/v1/admin/users/" + user, "{\"disabled\":false}", true).statusCode())
        .isEqualTo(200);
    soon("the enabled user's token works again", 200, () -> annTool.post(report, REPORT).statusCode());

    assertThat(admin.send("DELETE", "/api/v1/admin/properties/" + property + "/roles/" + user, null, true).statusCode())
        .isEqualTo(204);
    soon("the removed role refused on the other node", 403, () -> annTool.post(report, REPORT).statusCode());

    assertThat(admin.send("DELETE", "/api/v1/admin/users/" + user, null, true).statusCode()).isEqualTo(204);
    soon("the deleted user's token refused on the other node", 401, () -> annTool.get("/api/v1/tokens").statusCode());
    assertThat(cql.execute("SELECT token_hash FROM " + KEYSPACE + ".api_tokens WHERE email = ?", user).all())
        .as("the deleted user's tokens").isEmpty();
    JsonArray users = new JsonObject(admin.get("/api/v1/admin/users").body()).getJsonArray("users");
    assertThat(users.encode()).doesNotContain(user);
  }

  @Test
  @Order(5)
  void loginRefusesOtherOriginsAndNonJsonAndTheLogsNameNobody() throws Exception {
    String body = new JsonObject().put("email", ADMIN).put("password", NEW_ADMIN_PASSWORD).encode();
    assertThat(post(a.queryPort, "/api/v1/login", body, "application/json", Map.of("Origin", "https://evil.example"))
        .statusCode()).isEqualTo(403);
    assertThat(post(a.queryPort, "/api/v1/login", body, "text/plain", Map.of()).statusCode()).isEqualTo(415);
    assertThat(post(a.queryPort, "/api/v1/login", body, "application/json",
        Map.of("Origin", "http://127.0.0.1:" + a.queryPort)).statusCode()).isEqualTo(200);

    String victim = "victim-" + RUN + "@example.com";
    HttpResponse<String> failed = post(a.queryPort, "/api/v1/login", new JsonObject().put("email", victim + "\nforged")
        .put("password", "wrong").encode(), "application/json", Map.of());
    assertThat(failed.statusCode()).isEqualTo(401);
    Awaitility.await("the failed login logged").atMost(Duration.ofSeconds(10)).until(() -> a.log().contains("Failed login"));
    String logs = a.log() + b.log();
    assertThat(logs).doesNotContain(victim, ADMIN, LEGACY, "ann-" + RUN, "forged");
  }

  /** Annotations: a property's admins write them, its viewers (and read-only tokens) list them, as JSON and CSV. */
  @Test
  @Order(6)
  void annotationsAreWrittenByAdminsAndListedByViewersOnEveryNode() throws Exception {
    Dashboard admin = admin(a);
    String property = new JsonObject(admin.post("/api/v1/admin/properties", "{\"name\":\"Notes\"}").body())
        .getString("propertyId");
    String path = "/api/v1/properties/" + property + "/annotations";
    HttpResponse<String> first = admin.post(path,
        "{\"date\":\"2026-11-30\",\"title\":\"New pricing page\",\"description\":\"=HYPERLINK(1)\"}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    JsonObject created = new JsonObject(first.body());
    assertThat(created.getString("createdBy")).isEqualTo(ADMIN);
    assertThat(admin.post(path, "{\"date\":\"2026-12-02\",\"title\":\"Newsletter\"}").statusCode()).isEqualTo(201);

    // Bad input: a clear 400 naming the field, nothing stored.
    Map<String, String> bad = Map.of(
        "{\"title\":\"no date\"}", "date",
        "{\"date\":\"2026-13-01\",\"title\":\"x\"}", "date",
        "{\"date\":\"2026-12-01\",\"title\":\" \"}", "title",
        "{\"date\":\"2026-12-01\",\"title\":\"" + "x".repeat(151) + "\"}", "title",
        "{\"date\":\"2026-12-01\",\"title\":\"x\",\"colour\":\"red\"}", "colour");
    for (var b : bad.entrySet()) {
      HttpResponse<String> refused = admin.post(path, b.getKey());
      assertThat(refused.statusCode()).as(b.getKey()).isEqualTo(400);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").encode()).as(refused.body()).contains(b.getValue());
    }
    assertThat(cql.execute("SELECT title FROM " + KEYSPACE + ".annotations WHERE property_id = ?", property).all())
        .extracting(r -> r.getString(0)).containsExactlyInAnyOrder("New pricing page", "Newsletter");

    // A read-only token (on the other node) lists them, by day, and may not write.
    ApiClient reader = new ApiClient(b.queryPort, new JsonObject(admin.post("/api/v1/tokens",
        "{\"name\":\"notes-reader\",\"scope\":\"read\"}").body()).getString("token"));
    JsonArray listed = new JsonObject(reader.get(path).body()).getJsonArray("annotations");
    assertThat(listed.stream().map(o -> ((JsonObject) o).getString("title")).toList())
        .containsExactly("New pricing page", "Newsletter");
    assertThat(new JsonObject(reader.get(path + "?startDate=2026-12-01&endDate=2026-12-31").body())
        .getJsonArray("annotations").size()).isEqualTo(1);
    assertThat(reader.post(path, "{\"date\":\"2026-12-03\",\"title\":\"x\"}").statusCode()).isEqualTo(403);
    HttpResponse<String> csv = HTTP.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + b.queryPort + path))
        .header("Authorization", "Bearer " + new JsonObject(admin.post("/api/v1/tokens",
            "{\"name\":\"csv\",\"scope\":\"read\"}").body()).getString("token"))
        .header("Accept", "text/csv").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
    // The formula-leading description is defused for spreadsheets.
    List<String> lines = csv.body().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo("\"date\",\"title\",\"description\",\"createdBy\",\"id\"");
    assertThat(lines.get(1)).isEqualTo("\"2026-11-30\",\"New pricing page\",\"'=HYPERLINK(1)\",\"" + ADMIN + "\",\""
        + created.getString("id") + "\"");
    assertThat(lines.get(2)).startsWith("\"2026-12-02\",\"Newsletter\",\"\",");

    // Changed (the fields given), then deleted; a second delete finds nothing.
    String one = path + "/" + created.getString("id");
    HttpResponse<String> patched = admin.send("PATCH", one, "{\"title\":\"Pricing page v2\"}", true);
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    assertThat(new JsonObject(patched.body()).getString("date")).isEqualTo("2026-11-30");
    assertThat(new JsonObject(reader.get(path).body()).getJsonArray("annotations").getJsonObject(0).getString("title"))
        .isEqualTo("Pricing page v2");
    assertThat(admin.send("DELETE", one, null, true).statusCode()).isEqualTo(204);
    assertThat(admin.send("DELETE", one, null, true).statusCode()).isEqualTo(404);
    assertThat(admin.send("DELETE", path + "/not-an-id", null, true).statusCode()).isEqualTo(400);
    assertThat(new JsonObject(reader.get(path).body()).getJsonArray("annotations").size()).isEqualTo(1);
    assertThat(reader.get("/api/v1/properties/no-such-property/annotations").statusCode()).isIn(403, 404);
  }
}
