package io.beacon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A logged-in dashboard user: session cookie plus the CSRF token, as the web UI holds them. */
public final class Dashboard {
  public final int port;
  public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager()).build();
  public String csrf;

  private Dashboard(int port) {
    this.port = port;
  }

  public static HttpResponse<String> tryLogin(Dashboard d, String email, String password) throws Exception {
    return d.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port + "/api/v1/login"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("email", email).put("password", password).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  public static Dashboard anonymous(int port) {
    return new Dashboard(port);
  }

  public static Dashboard login(int port, String email, String password) throws Exception {
    Dashboard d = new Dashboard(port);
    HttpResponse<String> r = tryLogin(d, email, password);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    d.csrf = new JsonObject(r.body()).getString("csrfToken");
    return d;
  }

  public HttpResponse<String> send(String method, String path, String body, boolean withCsrf) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (withCsrf && csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String body) throws Exception {
    return send("POST", path, body, true);
  }

  public HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null, true);
  }
}
