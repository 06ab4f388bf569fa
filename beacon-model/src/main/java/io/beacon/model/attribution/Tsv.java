package io.beacon.model.attribution;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The two-column tables this package keeps as resources: comment lines ({@code #}), one header row, then
 * {@code key<TAB>value} rows. A malformed table fails loudly, naming the line, rather than silently
 * classifying traffic differently.
 */
final class Tsv {
  private Tsv() {}

  /** One data row and its 1-based line, for error messages. */
  record Row(String name, int line, String key, String value) {
    IllegalStateException error(String what) {
      return new IllegalStateException(name + ":" + line + ": " + what);
    }
  }

  /** Reads a resource next to {@code owner}. */
  static List<Row> resource(Class<?> owner, String resource, String keyHeader, String valueHeader) {
    try (InputStream in = owner.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource + " next to " + owner.getName());
      }
      return parse(new InputStreamReader(in, StandardCharsets.UTF_8), resource, keyHeader, valueHeader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Row> parse(Reader reader, String name, String keyHeader, String valueHeader) throws IOException {
    List<Row> rows = new ArrayList<>();
    BufferedReader in = new BufferedReader(reader);
    boolean header = false;
    int n = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      n++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cells = line.split("\t", -1);
      Row row = new Row(name, n, cells[0].strip(), cells.length > 1 ? cells[1].strip() : "");
      if (cells.length != 2 || row.key().isEmpty() || row.value().isEmpty()) {
        throw row.error("expected two tab-separated cells, got '" + line + "'");
      }
      if (!header) {
        if (!row.key().equals(keyHeader) || !row.value().equals(valueHeader)) {
          throw row.error("expected the header '" + keyHeader + "<TAB>" + valueHeader + "'");
        }
        header = true;
        continue;
      }
      rows.add(row);
    }
    if (!header) {
      throw new IllegalStateException(name + ": no header row");
    }
    return rows;
  }
}
