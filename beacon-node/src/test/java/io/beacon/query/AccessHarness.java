package io.beacon.query;

import io.beacon.contract.AccountsContract;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.MemoryAccountStore;
import io.beacon.query.auth.PropertyRole;
import io.beacon.query.auth.Secrets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.sstore.SessionStore;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The query role's access routes as {@link QueryVerticle} registers them (login, session, tokens, password, the
 * users admin API, role grant and removal), on one or more "nodes" in one Vert.x over one in-memory account store
 * and one session store (the cluster's), each node with its own {@link Accounts} cache, wired by
 * {@link AccountsContract} as in the verticle. Property routes are stand-ins that only check access.
 */
final class AccessHarness implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final MemoryAccountStore store = new MemoryAccountStore();
  final List<Node> nodes = new ArrayList<>();
  private final SessionStore sessions = io.vertx.ext.web.sstore.LocalSessionStore.create(vertx);

  /** query.adminEmail of the harness's nodes: the account a setup link opens. */
  static final String SETUP_ADMIN = "first@example.com";

  /** query.adminPasswordFile of the harness's nodes (not written by the harness: a test writes it if it needs one). */
  final java.nio.file.Path adminPasswordFile;

  /** query.maxPropertiesPerUser of the harness's nodes. */
  static final int MAX_PROPERTIES_PER_USER = 2;

  /** One query node: its account cache and its port. */
  record Node(Accounts accounts, int port) {}

  AccessHarness(int nodeCount) throws Exception {
    adminPasswordFile = java.nio.file.Files.createTempDirectory("beacon-access").resolve("admin-password.txt");
    for (int i = 0; i < nodeCount; i++) {
      nodes.add(startNode());
    }
  }

  private Node startNode() throws Exception {
    Accounts accounts = new Accounts(store);
    accounts.announceWith(keys -> AccountsContract.CHANGED.publish(vertx, new AccountsContract.Changed(keys)));
    await(AccountsContract.CHANGED.subscribe(vertx, AccountsContract.ALL, c -> accounts.forget(c.keys())).completion());
    AccessHandler access = new AccessHandler(vertx, accounts, new SimpleMeterRegistry(), false, TrustedProxies.none(), SETUP_ADMIN,
        adminPasswordFile);
    AdminHandler admin = new AdminHandler(vertx, accounts, access, "http://collector", 0, MAX_PROPERTIES_PER_USER);
    UserAdminHandler users = new UserAdminHandler(vertx, accounts, access);
    Router router = Router.router(vertx);
    router.route("/api/v1/*").handler(SessionHandler.create(sessions).setSessionCookieName("beacon_session")
        .setCookieHttpOnlyFlag(true).setCookieSameSite(CookieSameSite.STRICT).setLazySession(true));
    router.route("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    router.post("/api/v1/login").handler(access::login);
    router.get("/api/v1/session").handler(access::whoAmI);
    router.post("/api/v1/setup").handler(access::setup);
    router.route("/api/v1/*").handler(access::authenticate);
    router.post("/api/v1/logout").handler(access::logout);
    router.post("/api/v1/account/password").handler(access::changePassword);
    router.post("/api/v1/tokens").handler(access::createToken);
    router.get("/api/v1/tokens").handler(access::listTokens);
    router.delete("/api/v1/tokens/:tokenId").handler(access::revokeToken);
    // Stand-ins for the property routes: only their access checks.
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runReport").handler(rc ->
        answer(rc, access.require(rc, rc.pathParam("id"), PropertyRole.VIEWER).map(v -> new JsonObject().put("rows", 0))));
    router.get("/api/v1/admin/properties/:id").handler(rc -> {
      String id = rc.pathParam("id");
      answer(rc, access.require(rc, id, PropertyRole.VIEWER)
          .compose(v -> access.require(rc, id, PropertyRole.ADMIN).map(true).otherwise(false))
          .map(isAdmin -> isAdmin ? new JsonObject().put("propertyId", id).put("apiSecret", "s3cret")
              : new JsonObject().put("propertyId", id)));
    });
    router.patch("/api/v1/admin/properties/:id").handler(rc ->
        answer(rc, access.require(rc, rc.pathParam("id"), PropertyRole.ADMIN).map(v -> new JsonObject())));
    // The real handler: its cap check comes first; past it, the insert fails here (no Cassandra behind the store).
    router.post("/api/v1/admin/properties").handler(admin::createProperty);
    router.put("/api/v1/admin/properties/:id/roles/:email").handler(admin::grantRole);
    router.delete("/api/v1/admin/properties/:id/roles/:email").handler(users::revokeRole);
    router.post("/api/v1/admin/users").handler(admin::createUser);
    router.get("/api/v1/admin/users").handler(users::listUsers);
    router.patch("/api/v1/admin/users/:email").handler(users::updateUser);
    router.delete("/api/v1/admin/users/:email").handler(users::deleteUser);
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return new Node(accounts, server.actualPort());
  }

  private static void answer(io.vertx.ext.web.RoutingContext rc, Future<JsonObject> f) {
    f.onSuccess(j -> rc.response().putHeader("content-type", "application/json").end(j.encode()))
        .onFailure(e -> AccessHandler.fail(rc, e));
  }

  /** Creates a user straight in the store (through node 0's {@link Accounts}). */
  void user(String email, String password, boolean admin) throws Exception {
    await(nodes.get(0).accounts().createUser(email, Secrets.hashPassword(password), admin));
  }

  void grant(String propertyId, String email, PropertyRole role) throws Exception {
    await(nodes.get(0).accounts().grant(propertyId, email, role));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    java.nio.file.Files.deleteIfExists(adminPasswordFile);
    java.nio.file.Files.deleteIfExists(adminPasswordFile.getParent());
  }

  /** A client of one node: a browser (cookies, CSRF token) or a tool (a bearer token). */
  static final class Client {
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(new CookieManager()).build();
    int port;
    String csrf;
    String bearer;
    /** Extra headers of every request (Origin, Sec-Fetch-Site...). */
    final Map<String, String> headers = new java.util.LinkedHashMap<>();

    Client(int port) {
      this.port = port;
    }

    static Client token(int port, String token) {
      Client c = new Client(port);
      c.bearer = token;
      return c;
    }

    HttpResponse<String> login(String email, String password) throws Exception {
      HttpResponse<String> r = send("POST", "/api/v1/login",
          new JsonObject().put("email", email).put("password", password).encode(), "application/json");
      if (r.statusCode() == 200) {
        csrf = new JsonObject(r.body()).getString("csrfToken");
      }
      return r;
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
      return send(method, path, body, "application/json");
    }

    HttpResponse<String> send(String method, String path, String body, String contentType) throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (contentType != null && body != null) {
        b.header("Content-Type", contentType);
      }
      if (csrf != null) {
        b.header("X-CSRF-Token", csrf);
      }
      if (bearer != null) {
        b.header("Authorization", "Bearer " + bearer);
      }
      headers.forEach(b::header);
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
      return send("GET", path, null);
    }

    HttpResponse<String> post(String path, String body) throws Exception {
      return send("POST", path, body);
    }
  }
}
