package io.beacon.infra.schema;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a classpath script of {@code ;}-terminated statements, dropping {@code --} comment lines. */
final class SqlScript {
  private SqlScript() {}

  static List<String> statements(String resource, Map<String, String> vars) {
    String text;
    try (InputStream in = SqlScript.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("schema script missing from the classpath: " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n")) {
      if (!line.strip().startsWith("--")) {
        body.append(line).append('\n');
      }
    }
    String filled = body.toString();
    for (Map.Entry<String, String> v : vars.entrySet()) {
      filled = filled.replace("${" + v.getKey() + "}", v.getValue());
    }
    List<String> out = new ArrayList<>();
    for (String stmt : filled.split(";")) {
      if (!stmt.isBlank()) {
        out.add(stmt.strip());
      }
    }
    return out;
  }
}
