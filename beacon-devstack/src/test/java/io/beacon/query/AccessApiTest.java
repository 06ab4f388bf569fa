package io.beacon.query;

import io.beacon.testing.Dashboard;
import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.devstack.LocalStack;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Logins, tokens, the admin API and isolation between properties and users, on a real node. */
@ExtendWith(RealStack.class)
class AccessApiTest {
  private static final String ADMIN = "boss@example.com";
  private static final String ADMIN_PASSWORD = "a long admin password";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final int REPORT_QUOTA = 30;
  private static NodeProcess node;
  private static LocalStack stack;

  @BeforeAll
  static void start(LocalStack s) {
    stack = s;
    node = new NodeProcess("access-node", stack, Cluster.fresh(2, 3_000), Map.of(
        // A collector: a deleted property's hits are refused (aDeletedPropertyIsInTheTrashUntilRestored).
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "2", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD,
        // Small stream bounds, shared by the node's two query instances (realtimeStreamsAreCapped...).
        "BEACON_QUERY_MAX_REALTIME_STREAMS", "3", "BEACON_QUERY_MAX_REALTIME_STREAMS_PER_PROPERTY", "2",
        // A small report quota, shared by the two query instances (aUsersReportsBeyondTheQuotaAreRefused).
        "BEACON_QUERY_REPORTS_PER_MINUTE", Integer.toString(REPORT_QUOTA)));
    try {
      node.start().awaitReady(Duration.ofSeconds(150));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String report(String property) {
    return "/api/v1/properties/" + property + ":runReport";
  }

  private static final String BODY = "{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}]}";

  @Test
  void propertiesUsersAndRolesIsolateData() throws Exception {
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> p1 = admin.post("/api/v1/admin/properties",
        "{\"name\":\"Shop\",\"timeZone\":\"Europe/Berlin\",\"allowedHostnames\":[\"Shop.example\"],\"keyEvents\":[\"purchase\"]}");
    assertThat(p1.statusCode()).as(p1.body()).isEqualTo(201);
    JsonObject shop = new JsonObject(p1.body());
    assertThat(shop.getString("propertyId")).matches("B-[A-Z0-9]{8}");
    assertThat(shop.getString("apiSecret")).hasSizeGreaterThan(20);
    assertThat(shop.getString("snippet")).contains("data-property=\"" + shop.getString("propertyId") + "\"");
    assertThat(shop.getJsonArray("allowedHostnames").getString(0)).isEqualTo("shop.example");
    String blogId = new JsonObject(admin.post("/api/v1/admin/properties", "{\"name\":\"Blog\"}").body()).getString("propertyId");

    // A viewer of the blog only.
    assertThat(admin.post("/api/v1/admin/users", "{\"email\":\"ann@example.com\",\"password\":\"ann's long password\"}")
        .statusCode()).isEqualTo(201);
    assertThat(admin.send("PUT", "/api/v1/admin/properties/" + blogId + "/roles/ann@example.com", "{\"role\":\"viewer\"}", true)
        .statusCode()).isEqualTo(200);
    Dashboard ann = Dashboard.login(node.queryPort, "ann@example.com", "ann's long password");
    assertThat(ann.post(report(blogId), BODY).statusCode()).isEqualTo(200);
    assertThat(ann.post(report(shop.getString("propertyId")), BODY).statusCode()).isEqualTo(403);
    assertThat(ann.get("/api/v1/admin/properties/" + shop.getString("propertyId")).statusCode()).isEqualTo(403);
    JsonObject blogForAnn = new JsonObject(ann.get("/api/v1/admin/properties/" + blogId).body());
    assertThat(blogForAnn.containsKey("apiSecret")).as("viewers do not see the MP secret").isFalse();
    assertThat(ann.send("PATCH", "/api/v1/admin/properties/" + blogId, "{\"name\":\"Mine\"}", true).statusCode()).isEqualTo(403);
    assertThat(ann.post("/api/v1/admin/users", "{\"email\":\"eve@example.com\",\"password\":\"eve's long password\"}")
        .statusCode()).isEqualTo(403);
    assertThat(new JsonObject(ann.get("/api/v1/admin/properties").body()).getJsonArray("properties")).hasSize(1);
    // The session lists the same properties (the dashboard's first call), without the secret for a viewer.
    JsonObject annSession = new JsonObject(ann.get("/api/v1/session").body());
    assertThat(annSession.getString("email")).isEqualTo("ann@example.com");
    assertThat(annSession.getJsonArray("properties")).hasSize(1);
    assertThat(annSession.getJsonArray("properties").getJsonObject(0).getString("propertyId")).isEqualTo(blogId);
    assertThat(annSession.getJsonArray("properties").getJsonObject(0).getString("role")).isEqualTo("viewer");
    assertThat(annSession.getJsonArray("properties").getJsonObject(0).containsKey("apiSecret")).isFalse();
    JsonObject adminSession = new JsonObject(admin.get("/api/v1/session").body());
    assertThat(adminSession.getJsonArray("properties").stream().map(o -> ((JsonObject) o).getString("propertyId")))
        .contains(shop.getString("propertyId"), blogId);
    assertThat(new JsonObject(admin.get("/api/v1/admin/properties").body()).getJsonArray("properties"))
        .as("the same list as the properties endpoint").isEqualTo(adminSession.getJsonArray("properties"));

    // Rotating the secret changes it; a bad time zone is named.
    HttpResponse<String> rotated = admin.post("/api/v1/admin/properties/" + shop.getString("propertyId") + "/secret", "{}");
    assertThat(new JsonObject(rotated.body()).getString("apiSecret")).isNotEqualTo(shop.getString("apiSecret"));
    HttpResponse<String> badTz = admin.post("/api/v1/admin/properties", "{\"name\":\"X\",\"timeZone\":\"Mars/Olympus\"}");
    assertThat(badTz.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(badTz.body()).getJsonObject("error").getString("field")).isEqualTo("timeZone");
  }

  /** A GA4 web hit of {@code property} sent to the node's collector. */
  private static HttpResponse<String> hit(String property) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.collectorPort
            + "/g/collect?v=2&tid=" + property + "&cid=1." + System.nanoTime() + "&en=page_view&_rid="
            + java.util.UUID.randomUUID() + "&dl=https%3A%2F%2Ftrash.example%2F")).POST(HttpRequest.BodyPublishers.noBody())
        .header("Content-Type", "text/plain").header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
            + " (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36").build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Issue 20: deleting a property (the id repeated as confirmation) moves it to the trash, as GA4 does: it leaves the
   * lists, its reports answer 404 "property deleted", the collector refuses its hits with an unknown property's status
   * and the reason "property deleted"; restoring it brings everything back.
   */
  @Test
  void aDeletedPropertyIsInTheTrashUntilRestored() throws Exception {
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    String id = newProperty(admin, "Trash");
    Dashboard viewer = newViewer(admin, id, "tess");
    String path = "/api/v1/admin/properties/" + id;
    Awaitility.await("the collector knows the new property").atMost(Duration.ofSeconds(10))
        .until(() -> hit(id).statusCode() == 204);
    HttpResponse<String> unknown = hit("B-NOSUCH1");

    HttpResponse<String> unconfirmed = admin.send("DELETE", path, "{\"confirm\":\"B-OTHER\"}", true);
    assertThat(unconfirmed.statusCode()).as(unconfirmed.body()).isEqualTo(400);
    assertThat(new JsonObject(unconfirmed.body()).getJsonObject("error").getString("field")).isEqualTo("confirm");
    assertThat(viewer.send("DELETE", path + "?confirm=" + id, null, true).statusCode()).as("viewers do not delete")
        .isEqualTo(403);
    HttpResponse<String> deleted = admin.send("DELETE", path + "?confirm=" + id, null, true);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    JsonObject trashed = new JsonObject(deleted.body());
    java.time.Instant at = java.time.Instant.parse(trashed.getString("deletedAt"));
    assertThat(java.time.Instant.parse(trashed.getString("purgeAfter"))).isEqualTo(at.plus(Duration.ofDays(35)));
    assertThat(admin.send("DELETE", path, "{\"confirm\":\"" + id + "\"}", true).statusCode()).as("once")
        .isEqualTo(409);

    // Hidden from the lists, listed in the trash; reports and settings answer 404 with the reason.
    assertThat(new JsonObject(admin.get("/api/v1/admin/properties").body()).getJsonArray("properties").stream()
        .map(o -> ((JsonObject) o).getString("propertyId"))).doesNotContain(id);
    assertThat(new JsonObject(viewer.get("/api/v1/admin/properties").body()).getJsonArray("properties")).isEmpty();
    assertThat(new JsonObject(admin.get("/api/v1/admin/properties?deleted=true").body()).getJsonArray("properties")
        .stream().map(o -> ((JsonObject) o).getString("propertyId"))).contains(id);
    for (Dashboard who : List.of(admin, viewer)) {
      HttpResponse<String> report = who.post(report(id), BODY);
      assertThat(report.statusCode()).as(report.body()).isEqualTo(404);
      assertThat(new JsonObject(report.body()).getJsonObject("error").getString("message"))
          .startsWith("property deleted: '" + id + "'");
    }
    assertThat(admin.get(path).statusCode()).isEqualTo(404);
    assertThat(admin.get(path).body()).contains("property deleted");

    // The collector: the unknown property's status, the reason "property deleted".
    Awaitility.await("the collector refuses the deleted property's hits").atMost(Duration.ofSeconds(10))
        .until(() -> hit(id).statusCode() != 204);
    HttpResponse<String> refused = hit(id);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(unknown.statusCode());
    assertThat(refused.body()).contains("property deleted");
    assertThat(node.get("/metrics").body()).contains("reason=\"property_deleted\"");

    // Restored as it was: role, reports and hits.
    assertThat(viewer.post(path + "/restore", "{}").statusCode()).as("viewers do not restore").isEqualTo(403);
    HttpResponse<String> restored = admin.post(path + "/restore", "{}");
    assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
    assertThat(new JsonObject(restored.body()).getString("name")).isEqualTo("Trash");
    assertThat(admin.post(path + "/restore", "{}").statusCode()).as("not deleted any more").isEqualTo(409);
    assertThat(viewer.post(report(id), BODY).statusCode()).isEqualTo(200);
    assertThat(new JsonObject(viewer.get("/api/v1/admin/properties").body()).getJsonArray("properties")).hasSize(1);
    Awaitility.await("the collector takes the restored property's hits").atMost(Duration.ofSeconds(10))
        .until(() -> hit(id).statusCode() == 204);

    // Once its 35 days in the trash are over (the deletion backdated through the codec), a restore is refused: the
    // bridge's purge may have removed part of it already.
    assertThat(admin.send("DELETE", path + "?confirm=" + id, null, true).statusCode()).isEqualTo(200);
    try (com.datastax.oss.driver.api.core.CqlSession cql = com.datastax.oss.driver.api.core.CqlSession.builder()
        .withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(new java.net.InetSocketAddress("127.0.0.1",
            Integer.parseInt(stack.cassandraContactPoint().split(":")[1]))).build()) {
      java.time.Instant now = java.time.Instant.now();
      cql.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
          io.beacon.store.cassandra.PropertiesTable.updateDeletedIfExists(),
          io.beacon.store.cassandra.PropertiesTable.updateDeletedValues(id, now.minus(Duration.ofDays(36)), now)));
      HttpResponse<String> late = admin.post(path + "/restore", "{}");
      assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
      assertThat(late.body()).contains("is being purged");
      // Deleted today again: the run's keyspace is shared, and a property due for purge that a later test did not
      // make would be purged, and counted, by that test's bridge (BridgeRetentionTest counts its purges).
      cql.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
          io.beacon.store.cassandra.PropertiesTable.updateDeletedIfExists(),
          io.beacon.store.cassandra.PropertiesTable.updateDeletedValues(id, now, now)));
    }
  }

  @Test
  void credentialsCsrfAndLoginLimits() throws Exception {
    Dashboard nobody = Dashboard.anonymous(node.queryPort);
    assertThat(nobody.post(report("B-ANY"), BODY).statusCode()).isEqualTo(401);
    HttpResponse<String> badToken = node.getFrom(node.queryPort, "/api/v1/admin/properties");
    assertThat(badToken.statusCode()).isEqualTo(401);

    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    // A state-changing request with the session cookie but without the CSRF header is refused.
    assertThat(admin.send("POST", "/api/v1/admin/properties", "{\"name\":\"No CSRF\"}", false).statusCode()).isEqualTo(403);

    Dashboard mallory = Dashboard.anonymous(node.queryPort);
    for (int i = 0; i < 5; i++) {
      assertThat(Dashboard.tryLogin(mallory, "carl@example.com", "guess " + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> limited = Dashboard.tryLogin(mallory, "carl@example.com", "guess 6");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
    assertThat(node.get("/metrics").body()).contains("beacon_query_login_failures_total");
  }

  /**
   * Issue 19: "SSE streams are uncapped clustered consumers". At most query.maxRealtimeStreamsPerProperty (here 2) per
   * property (429) and query.maxRealtimeStreams (3) per node (503), both with Retry-After; a closed stream frees its
   * slot.
   */
  @Test
  void sseStreamsAreNoLongerUncapped() throws Exception {
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    List<String> ids = new java.util.ArrayList<>();
    for (String name : List.of("Stream A", "Stream B", "Stream C")) {
      HttpResponse<String> p = admin.post("/api/v1/admin/properties", "{\"name\":\"" + name + "\"}");
      assertThat(p.statusCode()).as(p.body()).isEqualTo(201);
      ids.add(new JsonObject(p.body()).getString("propertyId"));
    }
    List<HttpResponse<java.io.InputStream>> open = new java.util.ArrayList<>();
    try {
      open.add(stream(admin, ids.get(0)));
      open.add(stream(admin, ids.get(0)));
      assertThat(open).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
      HttpResponse<java.io.InputStream> third = stream(admin, ids.get(0));
      String body = new String(third.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(third.statusCode()).as(body).isEqualTo(429);
      assertThat(third.headers().firstValue("Retry-After")).isPresent();
      assertThat(body).contains("query.maxRealtimeStreamsPerProperty");
      open.add(stream(admin, ids.get(1)));
      assertThat(open.get(2).statusCode()).isEqualTo(200);
      HttpResponse<java.io.InputStream> full = stream(admin, ids.get(2));
      String fullBody = new String(full.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(full.statusCode()).as("the node's 4th stream: " + fullBody).isEqualTo(503);
      assertThat(fullBody).contains("query.maxRealtimeStreams");
      // A dashboard closing its stream frees the slot (the server sees the connection close).
      open.remove(0).body().close();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            HttpResponse<java.io.InputStream> again = stream(admin, ids.get(2));
            if (again.statusCode() == 200) {
              open.add(again);
              return true;
            }
            again.body().close();
            return false;
          });
    } finally {
      for (HttpResponse<java.io.InputStream> r : open) {
        r.body().close();
      }
    }
  }

  /**
   * Issue 19, hostile load: a viewer repeating reports (4 loops of ad-hoc regex reports kept both cores busy in the
   * hostile-load benchmark) is held to query.reportsPerMinute per user and node: its whole minute at once, then 429
   * RESOURCE_EXHAUSTED with Retry-After, answered before any store is read; another user's reports are not affected.
   */
  @Test
  void aUsersReportsBeyondTheQuotaAreRefused() throws Exception {
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    String id = newProperty(admin, "Quota");
    Dashboard quinn = newViewer(admin, id, "quinn");
    List<Integer> statuses = new java.util.ArrayList<>();
    HttpResponse<String> refused = null;
    // The quota refills at REPORT_QUOTA a minute while the loop runs: a few more than the quota may pass.
    for (int i = 0; i < REPORT_QUOTA + 10 && refused == null; i++) {
      HttpResponse<String> r = quinn.post(report(id), BODY);
      statuses.add(r.statusCode());
      if (r.statusCode() == 429) {
        refused = r;
      }
    }
    assertThat(statuses.subList(0, REPORT_QUOTA)).as("a minute's quota at once").containsOnly(200);
    assertThat(refused).as("refused once the quota is used: " + statuses).isNotNull();
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertThat(error.getString("status")).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(error.getString("message")).contains("query.reportsPerMinute");
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
    // Another user's quota is their own.
    HttpResponse<String> other = admin.post(report(id), BODY);
    assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    assertThat(node.get("/metrics").body()).containsPattern("beacon_query_reports_refused_total(\\{[^}]*\\})? [1-9]");
  }

  /** A new property named {@code name}, created by {@code admin}: its id. */
  private static String newProperty(Dashboard admin, String name) throws Exception {
    HttpResponse<String> r = admin.post("/api/v1/admin/properties", new JsonObject().put("name", name).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("propertyId");
  }

  /** A new user {@code name}@example.com, a viewer of {@code propertyId} only, logged in. */
  private static Dashboard newViewer(Dashboard admin, String propertyId, String name) throws Exception {
    String email = name + "@example.com";
    String password = name + "'s long password";
    assertThat(admin.post("/api/v1/admin/users", new JsonObject().put("email", email).put("password", password).encode())
        .statusCode()).isEqualTo(201);
    assertThat(admin.send("PUT", "/api/v1/admin/properties/" + propertyId + "/roles/" + email, "{\"role\":\"viewer\"}",
        true).statusCode()).isEqualTo(200);
    return Dashboard.login(node.queryPort, email, password);
  }

  /** Opens a real-time stream without reading it (a fresh connection each: the pooled one may hold a stream). */
  private static HttpResponse<java.io.InputStream> stream(Dashboard d, String propertyId) throws Exception {
    HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(d.http.cookieHandler().orElseThrow()).build();
    return fresh.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.queryPort
            + "/api/v1/properties/" + propertyId + "/realtime/stream")).header("Accept", "text/event-stream")
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
  }
}
