package io.beacon.loadgen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 POST over a plain socket, for the requests a server-side sender makes without any User-Agent
 * header (Java's HTTP client always sends its own, so it cannot send those). One request per connection
 * ({@code Connection: close}): the answer is whatever comes until the server closes. Plain http only.
 */
final class RawHttp {
  /** A status, a body, and Retry-After in seconds (-1: none). */
  record Response(int status, String body, long retryAfterSeconds) {}

  private RawHttp() {}

  static Response post(URI base, Wire.Encoded e) throws IOException {
    if (!"http".equalsIgnoreCase(base.getScheme())) {
      throw new IOException("a request without User-Agent needs a plain http collector, not " + base);
    }
    int port = base.getPort() < 0 ? 80 : base.getPort();
    byte[] body = e.body().getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("POST ").append(e.pathAndQuery()).append(" HTTP/1.1\r\n")
        .append("Host: ").append(base.getHost()).append(':').append(port).append("\r\n")
        .append("Content-Type: ").append(e.contentType()).append("\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n")
        .append("Connection: close\r\n");
    for (Map.Entry<String, String> h : e.headers().entrySet()) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    head.append("\r\n");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(base.getHost(), port), 10_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return parse(s.getInputStream().readAllBytes());
    }
  }

  static Response parse(byte[] raw) throws IOException {
    String all = new String(raw, StandardCharsets.ISO_8859_1);
    int end = all.indexOf("\r\n\r\n");
    if (!all.startsWith("HTTP/1.") || end < 0) {
      throw new IOException("not an HTTP response: " + all.substring(0, Math.min(80, all.length())));
    }
    String[] lines = all.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    long retryAfter = -1;
    boolean chunked = false;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = colon < 0 ? "" : lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = colon < 0 ? "" : lines[i].substring(colon + 1).trim();
      if (name.equals("retry-after") && value.matches("\\d+")) {
        retryAfter = Long.parseLong(value);
      } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
        chunked = true;
      }
    }
    byte[] rest = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    byte[] body = chunked ? dechunk(rest) : rest;
    return new Response(status, new String(body, StandardCharsets.UTF_8), retryAfter);
  }

  private static byte[] dechunk(byte[] in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < in.length) {
      int lineEnd = indexOfCrLf(in, i);
      if (lineEnd < 0) {
        throw new IOException("truncated chunked body");
      }
      String sizeLine = new String(in, i, lineEnd - i, StandardCharsets.ISO_8859_1);
      int semi = sizeLine.indexOf(';');
      int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
      if (size == 0) {
        break;
      }
      out.write(in, lineEnd + 2, size);
      i = lineEnd + 2 + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOfCrLf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
