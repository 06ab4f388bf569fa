package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.query.AccessHarness.Client;
import io.beacon.query.auth.PropertyRole;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: "any viewer can create unlimited properties". Only administrators, or users administering fewer than
 * query.maxPropertiesPerUser properties (the harness's: 2), create one. Past the cap check the harness's store has no
 * Cassandra for the insert (503): the test asserts whether the cap refused (403), not the insert.
 */
class PropertyCreationCapTest {
  private static final String BODY = "{\"name\":\"Another site\"}";

  private AccessHarness h;
  private int port;

  @BeforeEach
  void start() throws Exception {
    h = new AccessHarness(1);
    port = h.nodes.get(0).port();
    h.user("boss@example.com", "the boss's long password", true);
    h.user("ann@example.com", "ann's long password", false);
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  private Client login(String email, String password) throws Exception {
    Client c = new Client(port);
    assertThat(c.login(email, password).statusCode()).isEqualTo(200);
    return c;
  }

  @Test
  void anyViewerCanNoLongerCreateUnlimitedProperties() throws Exception {
    h.grant("B-A", "ann@example.com", PropertyRole.ADMIN);
    h.grant("B-V", "ann@example.com", PropertyRole.VIEWER);
    Client ann = login("ann@example.com", "ann's long password");
    assertThat(ann.post("/api/v1/admin/properties", BODY).statusCode()).as("1 administered, under the cap of 2")
        .isNotEqualTo(403);
    h.grant("B-B", "ann@example.com", PropertyRole.ADMIN);
    HttpResponse<String> refused = ann.post("/api/v1/admin/properties", BODY);
    assertThat(refused.statusCode()).as("2 administered: the cap").isEqualTo(403);
    assertThat(new JsonObject(refused.body()).encode()).contains("query.maxPropertiesPerUser = 2");

    h.grant("B-C", "boss@example.com", PropertyRole.ADMIN);
    h.grant("B-D", "boss@example.com", PropertyRole.ADMIN);
    h.grant("B-E", "boss@example.com", PropertyRole.ADMIN);
    assertThat(login("boss@example.com", "the boss's long password").post("/api/v1/admin/properties", BODY)
        .statusCode()).as("an administrator has no cap").isNotEqualTo(403);
  }
}
