package io.beacon.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP requests from a chosen loopback source address (127.0.0.2, 127.0.5.2...: Linux routes all of 127/8 to the
 * loopback interface), so that a test can be several clients as a load balancer sees them. Java 17's HttpClient
 * cannot bind a local address; curl's {@code --interface} can. TLS certificates are not verified ({@code -k}: the
 * tests' own self-signed one).
 */
public final class Curl {
  private Curl() {}

  public record Response(int status, String body) {}

  /** {@code method url} from {@code source}, with an optional body and {@code "Name: value"} headers. */
  public static Response request(String source, String method, String url, String body, String... headers)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sk", "--max-time", "60", "--interface", source, "-X", method,
        "-o", "-", "-w", "\n%{http_code}"));
    for (String h : headers) {
      cmd.addAll(List.of("-H", h));
    }
    if (body != null) {
      cmd.addAll(List.of("--data-binary", "@-"));
    }
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      if (body != null) {
        in.write(body.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("curl did not finish: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException("curl exited with " + p.exitValue() + " for " + method + " " + url + " from " + source);
    }
    int nl = out.lastIndexOf('\n');
    return new Response(Integer.parseInt(out.substring(nl + 1).strip()), out.substring(0, nl));
  }
}
