package io.beacon.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tool calling a node's API with a Bearer token (no session, no CSRF), as scripts and the CLI do. */
public final class ApiClient {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final int port;
  private final String token;

  public ApiClient(int port, String token) {
    this.port = port;
    this.token = token;
  }

  public HttpResponse<String> send(String method, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .timeout(Duration.ofMinutes(2))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null);
  }

  public HttpResponse<String> post(String path, String body) throws Exception {
    return send("POST", path, body);
  }

  public HttpResponse<String> delete(String path) throws Exception {
    return send("DELETE", path, null);
  }
}
