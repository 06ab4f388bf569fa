package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.beacon.devstack.LocalStack;
import io.beacon.testing.ApiClient;
import io.beacon.testing.Dashboard;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.beacon.testing.RouteSources;
import io.beacon.testing.RouteSources.Route;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpenAPI description the node serves ({@code /openapi.yaml}) against the real routes, both ways: every
 * documented operation is answered by a real node (collector and query roles) with a status the description
 * lists, never the router's own 404 or 405; and every route the collector and query verticles register is
 * documented with that method, except the static and landing routes listed in {@link #NOT_IN_THE_API}. Also a
 * structural check of the document (OpenAPI 3, operations with responses, path parameters, $refs, no duplicate
 * keys). Operations tagged {@code collector} go to the collector port, the others to the query port; the
 * reverse check holds the tags to the verticle that registers the route.
 */
@ExtendWith(RealStack.class)
class OpenApiRoutesTest {
  private static final String ADMIN = "openapi@example.com";
  private static final String ADMIN_PASSWORD = "an openapi admin password";
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final Set<String> PATH_ITEM_FIELDS = Set.of("$ref", "summary", "description", "servers", "parameters");
  private static final Pattern TEMPLATE = Pattern.compile("\\{([^}/]+)}");
  /** What Vert.x Web's router answers itself when no route matches the path (RoutingContextImpl). */
  private static final String ROUTER_404_BODY = "<html><body><h1>Resource not found</h1></body></html>";
  private static final Path SOURCE = Path.of(System.getProperty("beacon.home", "."))
      .resolve("beacon-node/src/main/resources/webroot/api/openapi.yaml");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Registered routes that are deliberately not part of the API description, as "Verticle METHOD path" (ANY:
   * every method, i.e. {@code router.route(path)}), each with the reason.
   */
  private static final Map<String, String> NOT_IN_THE_API = Map.of(
      "QueryVerticle GET /", "redirects people who type the host name to /dashboard/; not an API",
      "CollectorVerticle GET /", "a plain-text banner naming the node, for people and load balancer checks; not an API",
      "QueryVerticle GET /dashboard/*", "the web dashboard's static files",
      "QueryVerticle GET /webjars/*", "the static JavaScript libraries the dashboard loads",
      "QueryVerticle ANY /api/v1/*", "middleware before every API route (session, body limit, authentication);"
          + " each endpoint behind it is registered, and checked, on its own",
      "QueryVerticle ANY /v1beta/*", "middleware before every GA4 Data API route (body limit, bearer authentication);"
          + " each endpoint behind it is registered, and checked, on its own",
      "QueryVerticle ANY /v1beta/properties/*", "middleware routing a GA4 property id (properties/123456789) to the"
          + " Beacon property that carries it (GaPropertyIds), then answering a deleted property's reports 404"
          + " (DeletedPropertyGate), then counting reports against their user's quota (ReportQuota); the endpoints are"
          + " the Data API's own",
      "QueryVerticle ANY /api/v1/properties/*", "middleware answering a deleted property's reports 404"
          + " (DeletedPropertyGate) and counting reports against their user's quota (ReportQuota); each report"
          + " endpoint behind it is registered, and checked, on its own",
      "QueryVerticle ANY /v1alpha/*", "middleware before every GA4 Data API v1alpha route (body limit, bearer"
          + " authentication); each endpoint behind it is registered, and checked, on its own",
      "QueryVerticle ANY /v1alpha/properties/*", "middleware routing a GA4 property id to the Beacon property that"
          + " carries it (GaPropertyIds), as for /v1beta, then answering a deleted property's reports 404"
          + " (DeletedPropertyGate) and counting reports against their user's quota (ReportQuota)");

  private static NodeProcess node;
  private static String token;
  private static String propertyId;
  private static String apiSecret;
  private static String userEmail;
  private static String specText;
  private static JsonNode spec;

  @BeforeAll
  static void start(LocalStack stack) throws Exception {
    Path work = Path.of("target", "openapi-node").toAbsolutePath();
    node = new NodeProcess("openapi-node", stack, Cluster.fresh(2, 3_000), Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD,
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500",
        "BEACON_COLLECTOR_SPOOL_DIR", work.resolve("spool").toString())).start();
    node.awaitReady(Duration.ofSeconds(150));

    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"openapi route check\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");
    ApiClient api = new ApiClient(node.queryPort, token);
    HttpResponse<String> p = api.post("/api/v1/admin/properties",
        "{\"name\":\"OpenAPI routes\",\"timeZone\":\"UTC\",\"allowedHostnames\":[\"example.com\"]}");
    assertThat(p.statusCode()).as(p.body()).isEqualTo(201);
    propertyId = new JsonObject(p.body()).getString("propertyId");
    apiSecret = new JsonObject(p.body()).getString("apiSecret");
    userEmail = "viewer-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    HttpResponse<String> u = api.post("/api/v1/admin/users",
        "{\"email\":\"" + userEmail + "\",\"password\":\"a viewer's long password\"}");
    assertThat(u.statusCode()).as(u.body()).isEqualTo(201);
    // The collector reloads its property cache every 500 ms here: wait until it knows the new property, so
    // the collector endpoints answer for a real property rather than "unknown property".
    Awaitility.await("collector knows " + propertyId).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> !call("POST", node.collectorPort, "/debug/mp/collect?measurement_id=" + propertyId + "&api_secret="
            + apiSecret, "application/json", "{\"client_id\":\"1.1\",\"events\":[{\"name\":\"page_view\"}]}")
            .body.contains("unknown property"));

    // The checks read the description from the source tree; theNodeServesTheDescription proves the node serves
    // exactly this text, so every check holds for the served document too (and each failure is reported alone).
    specText = Files.readString(SOURCE);
    spec = strictYaml().readTree(specText);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** A YAML reader that refuses duplicate keys (YAML allows them silently; a later key would hide an earlier one). */
  private static YAMLMapper strictYaml() {
    return YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();
  }

  /** Right to erasure in the admin API: property admins only; the work is a bridge's (none runs in this node). */
  @Test
  void erasureApiIsForPropertyAdminsOnly() throws Exception {
    ApiClient api = new ApiClient(node.queryPort, token);
    // A viewer of its own (the route checks may delete the shared one at any time).
    String email = "eraser-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    HttpResponse<String> u = api.post("/api/v1/admin/users",
        "{\"email\":\"" + email + "\",\"password\":\"a viewer's long password\"}");
    assertThat(u.statusCode()).as(u.body()).isEqualTo(201);
    HttpResponse<String> granted = api.send("PUT", "/api/v1/admin/properties/" + propertyId + "/roles/" + email,
        "{\"role\":\"viewer\"}");
    assertThat(granted.statusCode()).as(granted.body()).isLessThan(300);
    Dashboard viewer = Dashboard.login(node.queryPort, email, "a viewer's long password");
    String body = "{\"property\":\"" + propertyId + "\",\"clientId\":\"1.1\"}";
    HttpResponse<String> refused = viewer.post("/api/v1/admin/erasures", body);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    HttpResponse<String> noId = api.post("/api/v1/admin/erasures", "{\"property\":\"" + propertyId + "\"}");
    assertThat(noId.statusCode()).as(noId.body()).isEqualTo(400);
    HttpResponse<String> both = api.post("/api/v1/admin/erasures", "{\"property\":\"" + propertyId
        + "\",\"clientId\":\"1.1\",\"userId\":\"u\"}");
    assertThat(both.statusCode()).as(both.body()).isEqualTo(400);
    HttpResponse<String> unknown = api.post("/api/v1/admin/erasures", "{\"property\":\"B-NONE\",\"clientId\":\"1\"}");
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
    HttpResponse<String> noBridge = api.post("/api/v1/admin/erasures", body);
    assertThat(noBridge.statusCode()).as(noBridge.body()).isEqualTo(503);
  }

  @Test
  void theParserRefusesDuplicateKeys() {
    assertThatThrownBy(() -> strictYaml().readTree("paths:\n  /a:\n    get: {responses: {'200': {description: x}}}\n"
        + "  /a:\n    post: {responses: {'200': {description: y}}}\n"))
        .hasMessageContaining("Duplicate field '/a'");
  }

  @Test
  void theServedDescriptionIsAStructurallyValidOpenApi3Document() throws Exception {
    List<String> problems = new ArrayList<>();
    if (!spec.path("openapi").asText("").matches("3\\.[01]\\.\\d+")) {
      problems.add("openapi: must be a 3.0.x or 3.1.x version string, is '" + spec.path("openapi") + "'");
    }
    for (String f : List.of("title", "version")) {
      if (!spec.path("info").path(f).isTextual()) {
        problems.add("info." + f + " is required");
      }
    }
    Set<String> declaredTags = new HashSet<>();
    spec.path("tags").forEach(t -> declaredTags.add(t.path("name").asText()));
    if (!spec.path("paths").isObject() || spec.path("paths").isEmpty()) {
      problems.add("paths: must be a non-empty object");
    }
    Set<String> operationIds = new HashSet<>();
    Set<String> templates = new HashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = e.getKey();
      JsonNode item = e.getValue();
      if (!path.startsWith("/")) {
        problems.add(path + ": a path must start with /");
      }
      if (!templates.add(TEMPLATE.matcher(path).replaceAll("{}"))) {
        problems.add(path + ": another path has the same template (only the parameter names differ)");
      }
      List<String> ops = new ArrayList<>();
      for (Iterator<String> names = item.fieldNames(); names.hasNext(); ) {
        String k = names.next();
        if (METHODS.contains(k)) {
          ops.add(k);
        } else if (!PATH_ITEM_FIELDS.contains(k) && !k.startsWith("x-")) {
          problems.add(path + ": '" + k + "' is not a path item field (methods are lower case)");
        }
      }
      if (ops.isEmpty()) {
        problems.add(path + ": no operation");
      }
      for (String method : ops) {
        String where = method.toUpperCase(Locale.ROOT) + " " + path;
        JsonNode op = item.get(method);
        JsonNode responses = op.path("responses");
        if (!responses.isObject() || responses.isEmpty()) {
          problems.add(where + ": responses are required");
        }
        for (Iterator<Map.Entry<String, JsonNode>> rs = responses.fields(); rs.hasNext(); ) {
          Map.Entry<String, JsonNode> r = rs.next();
          if (!r.getKey().matches("[1-5](\\d\\d|XX)|default")) {
            problems.add(where + ": response key '" + r.getKey() + "' is not a status code");
          }
          if (!r.getValue().has("$ref") && !r.getValue().path("description").isTextual()) {
            problems.add(where + " " + r.getKey() + ": a response needs a description");
          }
        }
        if (op.has("requestBody") && !op.path("requestBody").has("$ref")
            && (!op.path("requestBody").path("content").isObject() || op.path("requestBody").path("content").isEmpty())) {
          problems.add(where + ": a requestBody needs content");
        }
        for (JsonNode requirement : op.has("security") ? op.get("security") : spec.path("security")) {
          requirement.fieldNames().forEachRemaining(scheme -> {
            if (!spec.path("components").path("securitySchemes").has(scheme)) {
              problems.add(where + ": security scheme '" + scheme + "' is not declared under components.securitySchemes");
            }
          });
        }
        if (op.has("operationId") && !operationIds.add(op.get("operationId").asText())) {
          problems.add(where + ": duplicate operationId " + op.get("operationId"));
        }
        op.path("tags").forEach(tag -> {
          if (!declaredTags.contains(tag.asText())) {
            problems.add(where + ": tag '" + tag.asText() + "' is not declared under tags");
          }
        });
        // Path parameters: each {name} in the template is a required in: path parameter, and only those.
        Set<String> inTemplate = new TreeSet<>();
        Matcher tm = TEMPLATE.matcher(path);
        while (tm.find()) {
          inTemplate.add(tm.group(1));
        }
        Set<String> declared = new TreeSet<>();
        for (JsonNode p : parameters(item, op)) {
          if (!p.path("name").isTextual() || !Set.of("path", "query", "header", "cookie").contains(p.path("in").asText())) {
            problems.add(where + ": parameter " + p + " needs a name and in: path|query|header|cookie");
          }
          if (!p.has("schema") && !p.has("content")) {
            problems.add(where + ": parameter " + p.path("name").asText() + " needs a schema");
          }
          if (p.path("in").asText().equals("path")) {
            declared.add(p.path("name").asText());
            if (!p.path("required").asBoolean(false)) {
              problems.add(where + ": path parameter " + p.path("name").asText() + " must be required: true");
            }
          }
        }
        if (!declared.equals(inTemplate)) {
          problems.add(where + ": path parameters " + declared + " do not match the template's " + inTemplate);
        }
      }
    }
    // Every $ref points into this document and resolves.
    List<String> refs = new ArrayList<>();
    collectRefs(spec, refs);
    for (String ref : refs) {
      if (!ref.startsWith("#/") || spec.at(ref.substring(1)).isMissingNode()) {
        problems.add("$ref '" + ref + "' does not resolve in this document");
      }
    }
    assertThat(problems).as("/openapi.yaml").isEmpty();
  }

  @Test
  void theNodeServesTheDescription() throws Exception {
    Answer served = call("GET", node.queryPort, "/openapi.yaml", null, null);
    assertThat(served.status).as("GET /openapi.yaml on the query port: %s", served).isEqualTo(200);
    assertThat(served.body).as("the served description is the one in the source tree").isEqualTo(specText);
  }

  @Test
  void everyDocumentedOperationIsARealRouteAnsweringADocumentedStatus() throws Exception {
    List<String> failures = new ArrayList<>();
    StringJoiner table = new StringJoiner("\n", "Documented operations against node " + node.name() + ":\n", "");
    for (Operation op : operations()) {
      Answer a = send(op);
      table.add(String.format("  %-6s %-48s -> %d", op.method, op.path, a.status));
      String where = op.method + " " + op.path + " (sent " + a.method + " " + a.target + ", port "
          + (op.collector() ? "collector" : "query") + ")";
      if (a.routerNotFound()) {
        failures.add(where + ": the router has no such route (404 " + ROUTER_404_BODY + ")");
      } else if (a.status == 405) {
        failures.add(where + ": the router has the path but not the method (405, Allow: " + a.allow + ")");
      } else if (a.status == 404 && !a.applicationError()) {
        failures.add(where + ": 404 without the application's JSON error: " + a.body);
      } else if (!op.documents(a.status)) {
        failures.add(where + ": answered " + a.status + ", which the description does not list ("
            + op.node.path("responses").properties().stream().map(Map.Entry::getKey).toList() + "): " + a.body);
      } else if (a.status == 401 && op.needsCredentials()) {
        failures.add(where + ": 401 although an admin's API token was sent: " + a.body);
      }
    }
    System.out.println(table);
    assertThat(failures).as(table.toString()).isEmpty();
  }

  /** The check above would see a missing route: the router's 404 and 405 look different from the handlers' answers. */
  @Test
  void theRouteCheckTellsTheRoutersAnswersFromTheHandlers() throws Exception {
    Answer madeUp = call("GET", node.queryPort, "/api/v1/no-such-endpoint", null, null);
    assertThat(madeUp.status).isEqualTo(404);
    assertThat(madeUp.routerNotFound()).as(madeUp.body).isTrue();
    Answer madeUpCollector = call("POST", node.collectorPort, "/g/no-such-endpoint", "text/plain", "");
    assertThat(madeUpCollector.routerNotFound()).as(madeUpCollector.body).isTrue();
    // A handler's own 404 (an unknown property) is an answer of a real route.
    Answer unknownProperty = call("POST", node.queryPort, "/api/v1/properties/B-NOSUCHID:runReport", "application/json",
        "{\"dateRanges\":[{\"startDate\":\"2026-01-01\",\"endDate\":\"2026-01-01\"}],\"metrics\":[{\"name\":\"sessions\"}]}");
    assertThat(unknownProperty.status).as(unknownProperty.body).isEqualTo(404);
    assertThat(unknownProperty.routerNotFound()).isFalse();
    assertThat(unknownProperty.applicationError()).as(unknownProperty.body).isTrue();
    // A known path with a method no route takes: the router's 405.
    Answer wrongMethod = call("DELETE", node.queryPort, "/api/v1/admin/properties", null, null);
    assertThat(wrongMethod.status).as(wrongMethod.body).isEqualTo(405);
    assertThat(call("PUT", node.collectorPort, "/batch", "text/plain", "").status).isEqualTo(405);
  }

  @Test
  void everyRegisteredRouteIsDocumented() {
    Path src = Path.of(System.getProperty("beacon.home", ".")).resolve("beacon-node/src/main/java");
    Path collectorSource = src.resolve("io/beacon/collector/CollectorVerticle.java");
    Path querySource = src.resolve("io/beacon/query/QueryVerticle.java");
    // The public ports are served by these two verticles only (the management port is loopback, never routed).
    try (Stream<Path> files = Files.walk(src)) {
      Set<String> withRouters = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
        try {
          return Files.readString(f).contains("Router.router(");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).map(f -> src.relativize(f).toString()).collect(Collectors.toCollection(TreeSet::new));
      assertThat(withRouters).as("classes building an HTTP router").containsExactlyInAnyOrder(
          "io/beacon/collector/CollectorVerticle.java", "io/beacon/query/QueryVerticle.java",
          "io/beacon/infra/ops/ManagementVerticle.java");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<Route> routes = new ArrayList<>(RouteSources.read(collectorSource));
    routes.addAll(RouteSources.read(querySource));
    assertThat(routes).as("routes read from the sources").hasSizeGreaterThan(15);

    List<String> failures = new ArrayList<>();
    Set<String> exclusionsUsed = new HashSet<>();
    int checked = 0;
    for (Route r : routes) {
      if (r.path() == null) {
        continue; // router.route() without a path: middleware for every request (headers, failure handler)
      }
      String verticle = r.source().replace(".java", "");
      String key = verticle + " " + r.method() + " " + r.path();
      if (NOT_IN_THE_API.containsKey(key)) {
        exclusionsUsed.add(key);
        continue;
      }
      checked++;
      String path;
      try {
        path = r.openApiPath();
      } catch (IllegalArgumentException e) {
        failures.add(r + ": " + e.getMessage());
        continue;
      }
      JsonNode item = spec.path("paths").path(path);
      if (item.isMissingNode()) {
        failures.add(r + ": path " + path + " is not documented");
        continue;
      }
      List<String> methods = new ArrayList<>();
      if (r.method().equals("ANY")) {
        item.fieldNames().forEachRemaining(m -> {
          if (METHODS.contains(m)) {
            methods.add(m);
          }
        });
        if (methods.isEmpty()) {
          failures.add(r + ": " + path + " documents no operation");
        }
      } else if (item.has(r.method().toLowerCase(Locale.ROOT))) {
        methods.add(r.method().toLowerCase(Locale.ROOT));
      } else {
        failures.add(r + ": " + r.method() + " " + path + " is not documented");
      }
      boolean collector = verticle.equals("CollectorVerticle");
      for (String m : methods) {
        JsonNode op = item.get(m);
        boolean tagged = hasTag(op, "collector");
        if (tagged != collector) {
          failures.add(r + ": " + m.toUpperCase(Locale.ROOT) + " " + path + (collector
              ? " is served on the collector port but not tagged collector"
              : " is served on the query port but tagged collector"));
        }
        if (r.regex()) {
          // The regex's named groups take what the documented path parameter's pattern says.
          RouteSources.namedGroups(r.path()).forEach((name, group) -> {
            JsonNode p = parameters(item, op).stream().filter(x -> x.path("name").asText().equals(name)).findFirst().orElse(null);
            String pattern = p == null ? null : p.path("schema").path("pattern").asText(null);
            if (pattern == null || !pattern.equals("^" + group + "$")) {
              failures.add(r + ": path parameter " + name + " is documented with pattern " + pattern
                  + " but the route takes ^" + group + "$");
            }
          });
        }
      }
    }
    assertThat(checked).as("routes checked").isGreaterThan(15);
    assertThat(failures).as("registered routes missing from /openapi.yaml").isEmpty();
    assertThat(exclusionsUsed).as("exclusions that still match a registered route (drop stale ones)")
        .containsExactlyInAnyOrderElementsOf(NOT_IN_THE_API.keySet());
  }

  // ---- the description's operations, and a plausible request for each ----

  private record Operation(String method, String path, JsonNode item, JsonNode node) {
    boolean collector() {
      return hasTag(node, "collector");
    }

    boolean documents(int status) {
      JsonNode r = node.path("responses");
      return r.has(Integer.toString(status)) || r.has((status / 100) + "XX") || r.has("default");
    }

    /** Whether the description asks for credentials here (the document's security unless the operation's is empty). */
    boolean needsCredentials() {
      JsonNode security = node.has("security") ? node.get("security") : spec.path("security");
      return security.isArray() && !security.isEmpty();
    }
  }

  private static List<Operation> operations() {
    List<Operation> ops = new ArrayList<>();
    spec.path("paths").fields().forEachRemaining(e -> e.getValue().fields().forEachRemaining(m -> {
      if (METHODS.contains(m.getKey())) {
        ops.add(new Operation(m.getKey().toUpperCase(Locale.ROOT), e.getKey(), e.getValue(), m.getValue()));
      }
    }));
    return ops;
  }

  private static boolean hasTag(JsonNode op, String tag) {
    for (JsonNode t : op.path("tags")) {
      if (t.asText().equals(tag)) {
        return true;
      }
    }
    return false;
  }

  /** The path item's and the operation's parameters, {@code $ref}s resolved (the operation's win by name and in). */
  private static List<JsonNode> parameters(JsonNode item, JsonNode op) {
    Map<String, JsonNode> byKey = new LinkedHashMap<>();
    for (JsonNode list : List.of(item.path("parameters"), op.path("parameters"))) {
      for (JsonNode p : list) {
        JsonNode resolved = p.has("$ref") ? spec.at(p.get("$ref").asText().substring(1)) : p;
        byKey.put(resolved.path("in").asText() + " " + resolved.path("name").asText(), resolved);
      }
    }
    return new ArrayList<>(byKey.values());
  }

  private static void collectRefs(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> {
        if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
          out.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collectRefs(c, out));
    }
  }

  /** A value for a parameter: an enum's first value, else what the name means here. */
  private static String value(JsonNode p) {
    JsonNode e = p.path("schema").path("enum");
    if (e.isArray() && !e.isEmpty()) {
      return e.get(0).asText();
    }
    return switch (p.path("name").asText()) {
      case "id", "tid", "measurement_id", "property" -> propertyId;
      case "email" -> userEmail;
      case "job" -> UUID.randomUUID().toString();
      case "tokenId" -> "0123456789abcdef"; // no such token: 404
      case "annotationId" -> "8a5e7c10-d5f1-11f1-8000-000000000000"; // a time-based id of no annotation: 404
      case "recipient" -> "nobody@example.com"; // subscribed to nothing: 404
      case "startDate" -> "2026-01-01";
      case "endDate" -> "2026-01-07";
      case "cid" -> "555.1";
      case "en" -> "page_view";
      case "t" -> "pageview";
      case "dl" -> "https://example.com/openapi";
      case "dh" -> "example.com";
      case "dp" -> "/openapi";
      case "api_secret" -> apiSecret;
      default -> null;
    };
  }

  /** A plausible body for each operation that takes one. */
  private static String body(Operation op) {
    String ua = "v=1&tid=" + propertyId + "&cid=555.1&t=pageview&dh=example.com&dp=%2Fopenapi";
    String ga4 = "en=page_view&dl=https%3A%2F%2Fexample.com%2Fopenapi";
    String mp = "{\"client_id\":\"555.1\",\"events\":[{\"name\":\"page_view\"}]}";
    String report = "{\"dateRanges\":[{\"startDate\":\"2026-01-01\",\"endDate\":\"2026-01-07\"}],\"metrics\":[{\"name\":\"sessions\"}]}";
    // The GA4 Data API answers under /v1beta and its alias /api/v1 alike.
    String key = op.method + " " + op.path.replaceFirst("^/v1(beta|alpha)/", "/api/v1/");
    return switch (key) {
      case "POST /g/collect" -> ga4 + "\n" + ga4.replace("page_view", "scroll");
      case "POST /mp/collect", "POST /debug/mp/collect" -> mp;
      case "POST /collect" -> ua;
      case "POST /batch" -> ua + "\n" + ua.replace("pageview", "event&ec=video&ea=play");
      case "POST /api/event" -> "{\"n\":\"pageview\",\"u\":\"https://example.com/openapi\",\"d\":\"example.com\"}";
      case "POST /api/v1/login" -> new JsonObject().put("email", ADMIN).put("password", ADMIN_PASSWORD).encode();
      // A code that is no pending one-time password (403): the admin here has a configured password.
      case "POST /api/v1/setup" -> "{\"code\":\"not-a-setup-code\"}";
      case "POST /api/v1/tokens" -> "{\"name\":\"openapi route check 2\"}";
      // A wrong current password (403): the admin keeps the password the other calls log in with.
      case "POST /api/v1/account/password" ->
          "{\"currentPassword\":\"not the password\",\"newPassword\":\"another long password\"}";
      case "PATCH /api/v1/admin/users/{email}" -> "{\"disabled\":false}";
      case "POST /api/v1/properties/{id}:runReport" -> report;
      case "POST /api/v1/properties/{id}:runFunnelReport" -> "{\"dateRanges\":[{\"startDate\":\"2026-01-01\","
          + "\"endDate\":\"2026-01-07\"}],\"funnel\":{\"steps\":[{\"filterExpression\":{\"funnelEventFilter\":"
          + "{\"eventName\":\"page_view\"}}},{\"filterExpression\":{\"funnelEventFilter\":{\"eventName\":\"sign_up\"}}}]}}";
      case "POST /api/v1/properties/{id}:runUserTimeline" -> "{\"clientId\":\"555.1\",\"limit\":10}";
      case "POST /api/v1/properties/{id}:runPathReport" -> "{\"dateRange\":{\"startDate\":\"2026-01-01\","
          + "\"endDate\":\"2026-01-07\"},\"start\":{\"eventName\":\"page_view\",\"pagePath\":\"/pricing\"}}";
      case "POST /api/v1/properties/{id}:batchRunReports" -> "{\"requests\":[" + report + "," + report + "]}";
      case "POST /api/v1/properties/{id}:checkCompatibility" ->
          "{\"dimensions\":[{\"name\":\"country\"}],\"metrics\":[{\"name\":\"sessions\"}]}";
      case "POST /api/v1/properties/{id}:runPivotReport", "POST /api/v1/properties/{id}:batchRunPivotReports" -> "{}";
      case "POST /api/v1/properties/{id}:runRealtimeReport" -> "{\"metrics\":[{\"name\":\"activeUsers\"}]}";
      case "POST /api/v1/admin/properties" -> "{\"name\":\"OpenAPI routes (another)\"}";
      case "PATCH /api/v1/admin/properties/{id}" -> "{\"name\":\"OpenAPI routes\",\"timeZone\":\"UTC\",\"allowedHostnames\":[\"example.com\"]}";
      case "POST /api/v1/admin/properties/{id}/secret" -> "{}";
      // Not the property's id (400): the other operations go on with the property in place.
      case "DELETE /api/v1/admin/properties/{id}" -> "{\"confirm\":\"not the property's id\"}";
      case "PUT /api/v1/admin/properties/{id}/roles/{email}" -> "{\"role\":\"viewer\"}";
      case "POST /api/v1/admin/users" ->
          "{\"email\":\"u-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com\",\"password\":\"another long password\"}";
      case "POST /api/v1/properties/{id}/annotations" -> "{\"date\":\"2026-01-02\",\"title\":\"OpenAPI check\"}";
      case "PATCH /api/v1/properties/{id}/annotations/{annotationId}" -> "{\"title\":\"renamed\"}";
      case "POST /api/v1/properties/{id}/emailReports" -> "{\"frequency\":\"WEEKLY\",\"recipient\":\"openapi@example.com\"}";
      // The node of this test has no SMTP server: 503, documented.
      case "POST /api/v1/properties/{id}/emailReports:sendNow" -> "{\"frequency\":\"WEEKLY\"}";
      case "POST /api/v1/admin/erasures" -> "{\"property\":\"" + propertyId + "\",\"clientId\":\"1.1\"}";
      case "POST /api/v1/admin/recompute" -> "{\"property\":\"" + propertyId + "\",\"from\":\"2025-01-01\",\"to\":\"2025-01-02\"}";
      default -> {
        if (op.node.has("requestBody")) {
          throw new AssertionError(key + " takes a request body: add a plausible one to " + OpenApiRoutesTest.class.getSimpleName());
        }
        yield null;
      }
    };
  }

  private static Answer send(Operation op) throws Exception {
    String path = op.path;
    StringJoiner query = new StringJoiner("&");
    for (JsonNode p : parameters(op.item, op.node)) {
      String name = p.path("name").asText();
      String v = value(p);
      if (v == null) {
        if (p.path("required").asBoolean(false)) {
          throw new AssertionError(op.method + " " + op.path + ": no plausible value for the required parameter " + name
              + ": add one to " + OpenApiRoutesTest.class.getSimpleName() + ".value");
        }
        continue;
      }
      switch (p.path("in").asText()) {
        case "path" -> path = path.replace("{" + name + "}", URLEncoder.encode(v, StandardCharsets.UTF_8));
        case "query" -> query.add(name + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
        default -> { }
      }
    }
    String target = query.length() == 0 ? path : path + "?" + query;
    String body = body(op);
    String type = null;
    if (body != null) {
      JsonNode content = op.node.path("requestBody").path("content");
      type = content.fieldNames().hasNext() ? content.fieldNames().next()
          : op.collector() ? "text/plain" : "application/json";
    }
    return call(op.method, op.collector() ? node.collectorPort : node.queryPort, target, type, body);
  }

  /** One answer: status, body (for event streams only what came with the headers), Allow and Location headers. */
  private record Answer(String method, String target, int status, String contentType, String body, String allow,
      String location) {
    boolean routerNotFound() {
      return status == 404 && body.equals(ROUTER_404_BODY);
    }

    /** The query API's {@code {"error": {...}}} or the collector's {@code {"validationMessages": [...]}}. */
    boolean applicationError() {
      try {
        JsonObject json = new JsonObject(body);
        return json.getValue("error") instanceof JsonObject || json.getValue("validationMessages") instanceof io.vertx.core.json.JsonArray;
      } catch (RuntimeException notJson) {
        return false;
      }
    }
  }

  private static Answer call(String method, int port, String target, String contentType, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
        .timeout(Duration.ofSeconds(40)) // an event stream's headers come with its first write (at most a 15 s heartbeat)
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    String type = r.headers().firstValue("Content-Type").orElse("");
    String text;
    try (InputStream in = r.body()) {
      // An event stream never ends: its status and headers are the answer.
      text = type.startsWith("text/event-stream") ? "(event stream)" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return new Answer(method, target, r.statusCode(), type, text, r.headers().firstValue("Allow").orElse(""),
        r.headers().firstValue("Location").orElse(""));
  }
}
