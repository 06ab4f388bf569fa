package io.beacon.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.ColumnDefinitions;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Stand-ins for the driver's rows and statements, and the schema script's tables, for the codecs' tests. */
final class Fakes {
  private Fakes() {}

  /** A row holding {@code values} by column name (in order); columns not given are not in the row. */
  static Row row(Map<String, Object> values) {
    List<String> names = new ArrayList<>(values.keySet());
    ColumnDefinitions defs = (ColumnDefinitions) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
        new Class<?>[] {ColumnDefinitions.class}, (proxy, m, args) -> switch (m.getName()) {
          case "contains" -> args[0] instanceof String s && names.contains(s);
          case "size" -> names.size();
          default -> throw new UnsupportedOperationException(m.getName());
        });
    return (Row) Proxy.newProxyInstance(Fakes.class.getClassLoader(), new Class<?>[] {Row.class},
        (proxy, m, args) -> {
          if (m.getName().equals("getColumnDefinitions")) {
            return defs;
          }
          if (args == null || args.length == 0) {
            throw new UnsupportedOperationException(m.getName());
          }
          String name = args[0] instanceof Integer i ? names.get(i) : (String) args[0];
          if (!values.containsKey(name)) {
            throw new IllegalArgumentException(name + " is not a column of this row");
          }
          Object v = values.get(name);
          return switch (m.getName()) {
            case "isNull" -> v == null;
            case "getLong" -> v == null ? 0L : v;
            case "getInt" -> v == null ? 0 : v;
            case "getBoolean" -> v != null && (Boolean) v;
            case "getString", "getInstant", "getByteBuffer", "getSet" -> v;
            default -> throw new UnsupportedOperationException(m.getName());
          };
        });
  }

  /** A prepared statement whose {@code bind} records its values into {@code bound} (and returns null). */
  static PreparedStatement recording(List<Object> bound) {
    return (PreparedStatement) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, m, args) -> {
          if (!m.getName().equals("bind")) {
            throw new UnsupportedOperationException(m.getName());
          }
          bound.clear();
          bound.addAll(Arrays.asList((Object[]) args[0]));
          return (BoundStatement) null;
        });
  }

  /**
   * The columns of {@code table} in schema/cassandra.cql, in order (those of its CREATE TABLE, then those later
   * statements add with ALTER TABLE ... ADD IF NOT EXISTS), and its primary key under "PRIMARY KEY".
   */
  static Map<String, String> schemaColumns(String table) throws IOException {
    String cql;
    try (InputStream in = Fakes.class.getResourceAsStream("/schema/cassandra.cql")) {
      cql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher t = Pattern.compile("CREATE TABLE IF NOT EXISTS \\$\\{keyspace}\\." + table + " \\((.*?)\\n\\)",
        Pattern.DOTALL).matcher(cql);
    if (!t.find()) {
      throw new IllegalStateException("no table " + table + " in the schema");
    }
    Map<String, String> columns = new LinkedHashMap<>();
    for (String line : t.group(1).split("\n")) {
      String l = line.trim().replaceAll(",$", "");
      if (l.isEmpty()) {
        continue;
      }
      if (l.startsWith("PRIMARY KEY")) {
        columns.put("PRIMARY KEY", l.substring("PRIMARY KEY".length()).replaceAll("[() ]", ""));
      } else {
        String[] parts = l.split("\\s+", 2);
        columns.put(parts[0], parts[1].replace(" PRIMARY KEY", ""));
        if (parts[1].endsWith("PRIMARY KEY")) {
          columns.put("PRIMARY KEY", parts[0]);
        }
      }
    }
    Matcher added = Pattern.compile("(?m)^ALTER TABLE \\$\\{keyspace}\\." + table
        + " ADD IF NOT EXISTS (\\w+) ([^;]+);").matcher(cql);
    while (added.find()) {
      columns.put(added.group(1), added.group(2).trim());
    }
    return columns;
  }

  /** The number of bind markers in a statement. */
  static long markers(String cql) {
    return cql.chars().filter(c -> c == '?').count();
  }
}
