package io.beacon.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Beacon's admin commands, clients of a running node's API (the same calls as the dashboard):
 *
 * <pre>
 *   beacon token create --email E [--name N] [--scope read|admin] [--expires YYYY-MM-DD]
 *                                                       log in (password from BEACON_PASSWORD or the console), print an API token
 *   beacon token list                                    the --token's user's tokens (no secrets)
 *   beacon token revoke ID
 *   beacon property create --name N [--time-zone Z] [--hosts a.com,b.com] [--key-events a,b] ...
 *   beacon property list | show ID | update ID [--name ..] [--hosts ..] [--respect-dnt true] ... | rotate-secret ID
 *   beacon key-event list|add|remove --property P [NAME ...]    the property's key events (GA4's "mark as key event")
 *   beacon user list | create --email E [--admin] | update E [--disable|--enable] [--admin|--no-admin] | delete E
 *   beacon user grant E --property P --role viewer|admin | revoke E --property P
 *   beacon password --email E                            change one's own password (also the first, forced change)
 *   beacon recompute --property P --from YYYY-MM-DD --to YYYY-MM-DD [--no-wait]   rebuild closed days, with a progress bar
 *   beacon recompute --status JOB | --cancel JOB
 *   beacon erase --property P --client-id X | --user-id U                         right to erasure of one person
 * </pre>
 *
 * Common options: {@code --url} (default {@code BEACON_URL} or http://localhost:8081) and {@code --token}
 * (default {@code BEACON_TOKEN}). Exit codes: 0 done, 1 the job failed or was cancelled, 2 usage, 3 the API refused.
 *
 * <p>This class is the client (HTTP calls, what each command prints, exit codes); the command lines are
 * {@link AdminCommands}'.
 */
public final class ApiCli {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = Cli.EXIT_USAGE;
  static final int EXIT_REFUSED = 3;
  static final String DEFAULT_URL = "http://localhost:8081";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(10)).build();
  private final String url;
  private final PrintStream out;
  private final PrintStream err;
  private String token;
  private String csrf;

  /** {@code url} without its trailing slashes; {@code token} empty for none. */
  ApiCli(String url, String token, PrintStream out, PrintStream err) {
    this.url = url.replaceAll("/+$", "");
    this.token = token;
    this.out = out;
    this.err = err;
  }

  /**
   * Runs {@code args} (after the command word, e.g. {@code ["create", "--name", "x"]}) of {@code command}
   * (token, property or recompute) with {@code env}'s {@code BEACON_*} fallbacks; returns the exit code.
   */
  public static int run(String command, String[] args, Map<String, String> env) {
    return AdminCommands.run(command, args, new Cli.Io(env, System.out, System.err));
  }

  /** A command's body: may throw what an API call throws. */
  interface Action {
    int run() throws IOException, InterruptedException;
  }

  /** Runs {@code action}, turning a refusal or an unreachable node into a message and exit code 3. */
  int guarded(Action action) {
    try {
      return action.run();
    } catch (UsageException e) {
      err.println("beacon: " + e.getMessage());
      return EXIT_USAGE;
    } catch (ApiException e) {
      err.println("beacon: " + e.getMessage());
      return EXIT_REFUSED;
    } catch (IOException e) {
      err.println("beacon: cannot reach " + url + ": " + e);
      return EXIT_REFUSED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_FAILED;
    }
  }

  /** A usage problem found only when the command runs (no console to ask for the password). */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** The API answered an error status; the message is its {@code error.message} and field. */
  static final class ApiException extends RuntimeException {
    final int status;

    ApiException(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /**
   * Logs in as {@code email} ({@code password} empty: ask the console) and prints a new API token of {@code scope}
   * expiring at {@code expires} (null: the server's default).
   */
  int createToken(String email, String name, String password, String scope, String expires)
      throws IOException, InterruptedException {
    if (password.isEmpty()) {
      Console console = System.console();
      if (console == null) {
        throw new UsageException("set BEACON_PASSWORD (no console to ask for the password)");
      }
      password = new String(console.readPassword("Password for %s: ", email));
    }
    JsonObject login = call("POST", "/api/v1/login", new JsonObject().put("email", email).put("password", password));
    csrf = login.getString("csrfToken", "");
    token = "";
    if (login.getBoolean("passwordChangeRequired", false)) {
      throw new ApiException(403, "the password must be changed first: bin/beacon password --email " + email
          + " (or log in to the dashboard)");
    }
    JsonObject body = new JsonObject().put("name", name).put("scope", scope);
    if (expires != null) {
      body.put("expiresAt", expires);
    }
    JsonObject created = call("POST", "/api/v1/tokens", body);
    out.println(created.getString("token"));
    err.println("beacon: token " + created.getString("id") + " (" + created.getString("scope") + "), expires "
        + created.getString("expiresAt"));
    return 0;
  }

  int listTokens() throws IOException, InterruptedException {
    return print(call("GET", "/api/v1/tokens", null));
  }

  int revokeToken(String id) throws IOException, InterruptedException {
    call("DELETE", "/api/v1/tokens/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8), null);
    err.println("beacon: token " + id + " revoked");
    return 0;
  }

  /** Creates a property and prints it; {@code hosts} null for any host. */
  int createProperty(String name, String timeZone, List<String> hosts, List<String> plausibleDomains)
      throws IOException, InterruptedException {
    return createProperty(name, timeZone, hosts, plausibleDomains, null, null, null, null);
  }

  /** As the admin API takes them; null leaves a setting out (its default). */
  int createProperty(String name, String timeZone, List<String> hosts, List<String> plausibleDomains,
      List<String> streamIds, String gaPropertyId, String apiSecret, List<String> keyEvents)
      throws IOException, InterruptedException {
    JsonObject body = new JsonObject().put("name", name).put("timeZone", timeZone)
        .put("allowedHostnames", hosts == null ? null : new JsonArray(List.copyOf(hosts)));
    if (keyEvents != null) {
      body.put("keyEvents", new JsonArray(List.copyOf(keyEvents)));
    }
    if (plausibleDomains != null) {
      body.put("plausibleDomains", new JsonArray(List.copyOf(plausibleDomains)));
    }
    if (streamIds != null) {
      body.put("streamIds", new JsonArray(List.copyOf(streamIds)));
    }
    if (gaPropertyId != null) {
      body.put("gaPropertyId", gaPropertyId);
    }
    if (apiSecret != null) {
      body.put("apiSecret", apiSecret);
    }
    return print(call("POST", "/api/v1/admin/properties", body));
  }

  int listProperties() throws IOException, InterruptedException {
    return print(call("GET", "/api/v1/admin/properties", null));
  }

  int showProperty(String id) throws IOException, InterruptedException {
    return print(call("GET", "/api/v1/admin/properties/" + segment(id), null));
  }

  /** PATCH: only the settings in {@code changes} change (true PATCH on the server). */
  int updateProperty(String id, JsonObject changes) throws IOException, InterruptedException {
    if (changes.isEmpty()) {
      throw new UsageException("nothing to change: name at least one setting (see --help)");
    }
    return print(call("PATCH", "/api/v1/admin/properties/" + segment(id), changes));
  }

  /** A new Measurement Protocol api secret: {@code secret} null for a random one. Prints the property with it. */
  /** Moves the property to the trash; {@code confirm} must repeat its id (the server checks it too). */
  int deleteProperty(String id, String confirm) throws IOException, InterruptedException {
    return print(call("DELETE", "/api/v1/admin/properties/" + segment(id), new JsonObject().put("confirm", confirm)));
  }

  int restoreProperty(String id) throws IOException, InterruptedException {
    return print(call("POST", "/api/v1/admin/properties/" + segment(id) + "/restore", null));
  }

  int listDeletedProperties() throws IOException, InterruptedException {
    return print(call("GET", "/api/v1/admin/properties?deleted=true", null));
  }

  int rotateSecret(String id, String secret) throws IOException, InterruptedException {
    JsonObject body = secret == null ? new JsonObject() : new JsonObject().put("apiSecret", secret);
    return print(call("POST", "/api/v1/admin/properties/" + segment(id) + "/secret", body));
  }

  /**
   * The property's key events with {@code add} added and {@code remove} removed (both empty: just list them);
   * prints the list. Read, then PATCHed: a concurrent change of the key events by someone else may be overwritten.
   */
  int keyEvents(String id, List<String> add, List<String> remove) throws IOException, InterruptedException {
    JsonObject property = call("GET", "/api/v1/admin/properties/" + segment(id), null);
    java.util.LinkedHashSet<String> events = new java.util.LinkedHashSet<>();
    property.getJsonArray("keyEvents", new JsonArray()).forEach(e -> events.add((String) e));
    if (!add.isEmpty() || !remove.isEmpty()) {
      for (String r : remove) {
        if (!events.remove(r)) {
          err.println("beacon: '" + r + "' was not a key event of " + id);
        }
      }
      events.addAll(add);
      property = call("PATCH", "/api/v1/admin/properties/" + segment(id),
          new JsonObject().put("keyEvents", new JsonArray(List.copyOf(events))));
      JsonObject history = property.getJsonObject("historyRecompute");
      if (history != null) {
        err.println("beacon: key events apply to history: days from " + history.getString("from")
            + " are being rebuilt (bin/beacon recompute --status JOB)");
      }
    }
    return print(new JsonObject().put("propertyId", id).put("keyEvents", property.getJsonArray("keyEvents")));
  }

  int listUsers() throws IOException, InterruptedException {
    return print(call("GET", "/api/v1/admin/users", null));
  }

  int createUser(String email, String password, boolean admin, boolean mustChange)
      throws IOException, InterruptedException {
    return print(call("POST", "/api/v1/admin/users", new JsonObject().put("email", email).put("password", password)
        .put("admin", admin).put("mustChangePassword", mustChange)));
  }

  int updateUser(String email, JsonObject changes) throws IOException, InterruptedException {
    if (changes.isEmpty()) {
      throw new UsageException("nothing to change: name --disable, --enable, --admin or --no-admin");
    }
    return print(call("PATCH", "/api/v1/admin/users/" + segment(email), changes));
  }

  int deleteUser(String email) throws IOException, InterruptedException {
    call("DELETE", "/api/v1/admin/users/" + segment(email), null);
    err.println("beacon: user " + email + " deleted, with their roles and API tokens");
    return 0;
  }

  int grantRole(String property, String email, String role) throws IOException, InterruptedException {
    return print(call("PUT", "/api/v1/admin/properties/" + segment(property) + "/roles/" + segment(email),
        new JsonObject().put("role", role)));
  }

  int revokeRole(String property, String email) throws IOException, InterruptedException {
    call("DELETE", "/api/v1/admin/properties/" + segment(property) + "/roles/" + segment(email), null);
    err.println("beacon: " + email + " has no role on " + property + " any more");
    return 0;
  }

  /** Logs in as {@code email} with {@code current} and sets {@code next} (both asked on the console if empty). */
  int changePassword(String email, String current, String next) throws IOException, InterruptedException {
    if (current.isEmpty() || next.isEmpty()) {
      Console console = System.console();
      if (console == null) {
        throw new UsageException("set BEACON_PASSWORD and BEACON_NEW_PASSWORD (no console to ask for them)");
      }
      if (current.isEmpty()) {
        current = new String(console.readPassword("Current password for %s: ", email));
      }
      if (next.isEmpty()) {
        next = new String(console.readPassword("New password (12 characters or more): "));
        if (!next.equals(new String(console.readPassword("Again: ")))) {
          throw new UsageException("the two new passwords differ");
        }
      }
    }
    // A session of its own (cookie and CSRF token), not the API token: the password is the logged-in user's.
    token = "";
    JsonObject login = call("POST", "/api/v1/login", new JsonObject().put("email", email).put("password", current));
    csrf = login.getString("csrfToken", "");
    call("POST", "/api/v1/account/password", new JsonObject().put("currentPassword", current)
        .put("newPassword", next));
    err.println("beacon: password of " + email + " changed");
    return 0;
  }

  static String segment(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Erases one person of a property (exactly one of the ids non-null) and prints what was erased. */
  int erase(String property, String clientId, String userId) throws IOException, InterruptedException {
    JsonObject body = new JsonObject().put("property", property);
    if (clientId != null) {
      body.put("clientId", clientId);
    } else {
      body.put("userId", userId);
    }
    return print(call("POST", "/api/v1/admin/erasures", body));
  }

  /** The recompute job commands, with their progress bar on this client's stderr. */
  RecomputeProgress recompute() {
    return new RecomputeProgress(this::call, out, err);
  }

  int print(JsonObject json) {
    out.println(json.encodePrettily());
    return 0;
  }

  /** One API call; a 4xx/5xx becomes an {@link ApiException} with the API's message. */
  JsonObject call(String method, String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (!token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonObject json;
    try {
      json = r.body().isBlank() ? new JsonObject() : new JsonObject(r.body());
    } catch (RuntimeException e) {
      throw new ApiException(r.statusCode(), method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    if (r.statusCode() >= 400) {
      JsonObject e = json.getJsonObject("error", new JsonObject());
      String field = e.getString("field", "");
      throw new ApiException(r.statusCode(), r.statusCode() + " " + (field.isEmpty() ? "" : field + ": ")
          + e.getString("message", r.body()));
    }
    return json;
  }
}
