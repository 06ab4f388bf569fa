package io.beacon.devstack;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An admin's browser session on the dashboard API through the balancers' TLS frontend: trusts exactly the
 * rehearsal's certificate, keeps the (Secure) session cookie, sends the CSRF token.
 */
final class DashboardClient {
  private final HttpClient client;
  private final String base;
  private final String csrf;

  private DashboardClient(HttpClient client, String base, String csrf) {
    this.client = client;
    this.base = base;
    this.csrf = csrf;
  }

  static DashboardClient login(String base, Path pem, String email, String password) throws IOException,
      InterruptedException {
    HttpClient client = tlsClient(pem);
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/login"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    expect(r, 200);
    return new DashboardClient(client, base, field(r.body(), "csrfToken"));
  }

  /** Creates a property (UTC); returns its id and Measurement Protocol secret. */
  String[] createPropertyWithSecret(String name) throws IOException, InterruptedException {
    HttpResponse<String> r = post("/api/v1/admin/properties",
        "{\"name\":\"" + name + "\",\"timeZone\":\"Etc/UTC\"}");
    expect(r, 201);
    return new String[] {field(r.body(), "propertyId"), field(r.body(), "apiSecret")};
  }

  String createProperty(String name) throws IOException, InterruptedException {
    return createPropertyWithSecret(name)[0];
  }

  /** {@code activeUsers} of the real-time report, -1 if the report failed. */
  long realtimeActiveUsers(String propertyId) throws IOException, InterruptedException {
    HttpResponse<String> r = post("/api/v1/properties/" + propertyId + ":runRealtimeReport",
        "{\"metrics\":[{\"name\":\"activeUsers\"}]}");
    Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"?(\\d+)").matcher(r.body());
    return r.statusCode() == 200 && m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** {@code eventCount} of {@code runReport} from yesterday to today, -1 if the report failed; 0 for no rows. */
  long eventCount(String propertyId) throws IOException, InterruptedException {
    HttpResponse<String> r = post("/api/v1/properties/" + propertyId + ":runReport",
        "{\"dateRanges\":[{\"startDate\":\"yesterday\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"eventCount\"}]}");
    if (r.statusCode() != 200) {
      return -1;
    }
    Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"?(\\d+)").matcher(r.body());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .header("X-CSRF-Token", csrf).timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void expect(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode()
          + ": " + r.body());
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }

  /** HTTP/1.1 with cookies, trusting exactly the certificate of {@code pem}. */
  static HttpClient tlsClient(Path pem) {
    try {
      String text = Files.readString(pem);
      String cert = text.substring(text.indexOf("-----BEGIN CERTIFICATE-----"),
          text.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----".length());
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("beacon-rehearsal", CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(cert.getBytes(StandardCharsets.US_ASCII))));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
          .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(3)).build();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + pem, e);
    }
  }
}
