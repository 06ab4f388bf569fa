package io.beacon.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as given: what a hostile client sends (request targets that
 * are not normalised, invalid UTF-8, huge headers, lying Content-Lengths), which {@code java.net.http} refuses
 * to send. Each request uses its own connection ({@code Connection: close}) and reads the answer to the end.
 */
final class RawHttp {
  /** An answer: status line, headers (lower-case names, last wins), body decoded as UTF-8. */
  record Response(int status, String statusLine, Map<String, String> headers, String body) {
    String text() {
      return statusLine + "\n" + headers + "\n" + body;
    }
  }

  private RawHttp() {}

  /** Builds a request: the target as is, Host and Connection: close added, Content-Length unless given. */
  static byte[] request(String method, String target, Map<String, String> headers, byte[] body) {
    StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", "127.0.0.1");
    h.put("Connection", "close");
    h.putAll(headers);
    if (body != null && h.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Content-Length")
        || k.equalsIgnoreCase("Transfer-Encoding"))) {
      h.put("Content-Length", Integer.toString(body.length));
    }
    h.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    sb.append("\r\n");
    byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head);
    if (body != null) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  /** Sends the bytes and reads until the server closes (or {@code timeoutMs} passes: then it fails). */
  static Response exchange(int port, byte[] request, int timeoutMs) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(timeoutMs);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (SocketException e) {
        // The server may answer and close before it has read a huge request: read what it said.
      }
      return parse(readAll(s.getInputStream()));
    }
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    try {
      for (int n; (n = in.read(b)) > 0; ) {
        buf.write(b, 0, n);
      }
    } catch (SocketException e) {
      // reset after the answer (the server closed with unread request bytes): keep what arrived
    }
    return buf.toByteArray();
  }

  static Response parse(byte[] raw) {
    String all = new String(raw, StandardCharsets.ISO_8859_1);
    int end = all.indexOf("\r\n\r\n");
    if (end < 0) {
      return new Response(-1, all, Map.of(), "");
    }
    String[] lines = all.substring(0, end).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
      }
    }
    String[] status = lines[0].split(" ", 3);
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Response(Integer.parseInt(status[1]), lines[0], headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String s = new String(body, StandardCharsets.ISO_8859_1);
    int pos = 0;
    while (pos < s.length()) {
      int eol = s.indexOf("\r\n", pos);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(s.substring(pos, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.write(body, eol + 2, Math.min(size, body.length - eol - 2));
      pos = eol + 2 + size + 2;
    }
    return out.toByteArray();
  }
}
