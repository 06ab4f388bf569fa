package io.beacon.cli;

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
import java.util.HashMap;
import java.util.Map;

/**
 * Beacon's admin commands, clients of a running node's API (the same calls as the dashboard):
 *
 * <pre>
 *   beacon token create --email E [--name N]             log in (password from BEACON_PASSWORD or the console), print an API token
 *   beacon property create --name N [--time-zone Z] [--hosts a.com,b.com]
 *   beacon property list
 *   beacon recompute --property P --from YYYY-MM-DD --to YYYY-MM-DD [--no-wait]   rebuild closed days, with a progress bar
 *   beacon recompute --status JOB | --cancel JOB
 * </pre>
 *
 * Common options: {@code --url} (default {@code BEACON_URL} or http://localhost:8081) and {@code --token}
 * (default {@code BEACON_TOKEN}). Exit codes: 0 done, 1 the job failed or was cancelled, 2 usage, 3 the API refused.
 */
public final class ApiCli {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_REFUSED = 3;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(10)).build();
  private final Map<String, String> opts;
  private final PrintStream out;
  private final PrintStream err;
  private final String url;

  private ApiCli(Map<String, String> opts, Map<String, String> env, PrintStream out, PrintStream err) {
    this.opts = opts;
    this.out = out;
    this.err = err;
    this.url = opts.getOrDefault("url", env.getOrDefault("BEACON_URL", "http://localhost:8081")).replaceAll("/+$", "");
    opts.putIfAbsent("token", env.getOrDefault("BEACON_TOKEN", ""));
    opts.putIfAbsent("password", env.getOrDefault("BEACON_PASSWORD", ""));
  }

  /** Runs {@code args} (after the command word, e.g. {@code ["create", "--name", "x"]}); returns the exit code. */
  public static int run(String command, String[] args, Map<String, String> env) {
    Map<String, String> opts = new HashMap<>();
    StringBuilder words = new StringBuilder(command);
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        String key = args[i].substring(2);
        boolean flag = key.equals("no-wait");
        if (!flag && i + 1 >= args.length) {
          System.err.println("beacon: --" + key + " needs a value");
          return EXIT_USAGE;
        }
        opts.put(key, flag ? "true" : args[++i]);
      } else {
        words.append(' ').append(args[i]);
      }
    }
    ApiCli cli = new ApiCli(opts, env, System.out, System.err);
    try {
      return switch (words.toString()) {
        case "token create" -> cli.createToken();
        case "property create" -> cli.print(cli.call("POST", "/api/v1/admin/properties", new JsonObject()
            .put("name", cli.required("name")).put("timeZone", opts.getOrDefault("time-zone", "UTC"))
            .put("allowedHostnames", opts.containsKey("hosts")
                ? new io.vertx.core.json.JsonArray(java.util.List.of(opts.get("hosts").split(","))) : null)));
        case "property list" -> cli.print(cli.call("GET", "/api/v1/admin/properties", null));
        case "recompute" -> new RecomputeProgress(cli::call, opts, cli.out, cli.err).run();
        default -> {
          System.err.println("beacon: unknown command '" + words + "' (see beacon --help)");
          yield EXIT_USAGE;
        }
      };
    } catch (UsageException e) {
      System.err.println("beacon: " + e.getMessage());
      return EXIT_USAGE;
    } catch (ApiException e) {
      System.err.println("beacon: " + e.getMessage());
      return EXIT_REFUSED;
    } catch (IOException e) {
      System.err.println("beacon: cannot reach " + cli.url + ": " + e);
      return EXIT_REFUSED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_FAILED;
    }
  }

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

  String required(String key) {
    String v = opts.get(key);
    if (v == null || v.isBlank()) {
      throw new UsageException("--" + key + " is required");
    }
    return v;
  }

  private int createToken() throws IOException, InterruptedException {
    String email = required("email");
    String password = opts.get("password");
    if (password.isEmpty()) {
      Console console = System.console();
      if (console == null) {
        throw new UsageException("set BEACON_PASSWORD (no console to ask for the password)");
      }
      password = new String(console.readPassword("Password for %s: ", email));
    }
    JsonObject login = call("POST", "/api/v1/login", new JsonObject().put("email", email).put("password", password));
    opts.put("csrf", login.getString("csrfToken", ""));
    opts.put("token", "");
    JsonObject token = call("POST", "/api/v1/tokens", new JsonObject().put("name", opts.getOrDefault("name", "cli")));
    out.println(token.getString("token"));
    return 0;
  }

  private int print(JsonObject json) {
    out.println(json.encodePrettily());
    return 0;
  }

  /** One API call; a 4xx/5xx becomes an {@link ApiException} with the API's message. */
  JsonObject call(String method, String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (!opts.getOrDefault("token", "").isEmpty()) {
      b.header("Authorization", "Bearer " + opts.get("token"));
    }
    if (opts.containsKey("csrf")) {
      b.header("X-CSRF-Token", opts.get("csrf"));
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
