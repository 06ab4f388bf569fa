package io.beacon.query.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every column the account store's statements name is in schema/cassandra.cql (created or added by an
 * {@code ALTER TABLE ... ADD IF NOT EXISTS}), and the token list's index exists: a typo would otherwise show only
 * against a real Cassandra.
 */
class CassandraAccountStoreTest {
  private static final Pattern IDENT = Pattern.compile("\\b[a-z_]+\\b");
  private static final Set<String> CQL_WORDS = Set.of("select", "from", "where", "and", "insert", "into", "values",
      "if", "not", "exists", "update", "set", "delete", "using", "ttl");

  @Test
  void everyColumnTheStatementsNameIsInTheSchema() throws Exception {
    String cql;
    try (InputStream in = getClass().getResourceAsStream("/schema/cassandra.cql")) {
      cql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Map<String, Set<String>> tables = new LinkedHashMap<>();
    Matcher t = Pattern.compile("CREATE TABLE IF NOT EXISTS \\$\\{keyspace}\\.(\\w+) \\((.*?)\\n\\)", Pattern.DOTALL)
        .matcher(cql);
    while (t.find()) {
      Set<String> cols = new TreeSet<>();
      for (String line : t.group(2).split("\n")) {
        String l = line.trim();
        if (!l.isEmpty() && !l.startsWith("PRIMARY KEY")) {
          cols.add(l.split("\\s+")[0]);
        }
      }
      tables.put(t.group(1), cols);
    }
    Matcher added = Pattern.compile("(?m)^ALTER TABLE \\$\\{keyspace}\\.(\\w+) ADD IF NOT EXISTS (\\w+) ").matcher(cql);
    while (added.find()) {
      tables.get(added.group(1)).add(added.group(2));
    }
    assertThat(cql).contains("CREATE INDEX IF NOT EXISTS api_tokens_by_email ON ${keyspace}.api_tokens (email);");

    for (String statement : CassandraAccountStore.STATEMENTS) {
      Matcher table = Pattern.compile("(?:FROM|INTO|UPDATE) (\\w+)").matcher(statement);
      assertThat(table.find()).as(statement).isTrue();
      Set<String> columns = tables.get(table.group(1));
      assertThat(columns).as("table of " + statement).isNotNull();
      Matcher ids = IDENT.matcher(statement.replaceAll("\"[^\"]*\"", ""));
      while (ids.find()) {
        String id = ids.group();
        if (!CQL_WORDS.contains(id) && !id.equals(table.group(1))) {
          assertThat(columns).as("column %s of %s", id, statement).contains(id);
        }
      }
    }
  }
}
