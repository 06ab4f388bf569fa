package io.beacon.query;

import io.beacon.testing.Dashboard;
import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.devstack.LocalStack;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Logins, tokens, the admin API and isolation between properties and users, on a real node. */
@ExtendWith(RealStack.class)
class AccessApiTest {
  private static final String ADMIN = "boss@example.com";
  private static final String ADMIN_PASSWORD = "a long admin password";
  private static NodeProcess node;

  @BeforeAll
  static void start(LocalStack stack) {
    node = new NodeProcess("access-node", stack, Cluster.fresh(2, 3_000), Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "2", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD));
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

    // Rotating the secret changes it; a bad time zone is named.
    HttpResponse<String> rotated = admin.post("/api/v1/admin/properties/" + shop.getString("propertyId") + "/secret", "{}");
    assertThat(new JsonObject(rotated.body()).getString("apiSecret")).isNotEqualTo(shop.getString("apiSecret"));
    HttpResponse<String> badTz = admin.post("/api/v1/admin/properties", "{\"name\":\"X\",\"timeZone\":\"Mars/Olympus\"}");
    assertThat(badTz.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(badTz.body()).getJsonObject("error").getString("field")).isEqualTo("timeZone");
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
}
