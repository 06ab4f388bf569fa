package io.beacon.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The email reports' two tables: every column their statements name is in the schema, with the keys they rely on. */
class DigestTablesTest {
  private static final Pattern IDENT = Pattern.compile("\\b([a-z][a-z_]*[a-z])\\b");
  private static final List<String> CQL_WORDS = List.of("insert", "into", "values", "if", "not", "exists", "update",
      "set", "where", "and", "select", "from", "delete");

  @Test
  void subscriptionsAreOnePerPropertyFrequencyAndRecipient() throws Exception {
    Map<String, String> columns = Fakes.schemaColumns(DigestSubscriptionsTable.TABLE);
    assertThat(columns.get("PRIMARY KEY")).isEqualTo("property_id,frequency,recipient");
    for (String cql : List.of(DigestSubscriptionsTable.insertIfNotExists(), DigestSubscriptionsTable.selectAll(),
        DigestSubscriptionsTable.deleteIfExists(), DigestSubscriptionsTable.deleteByProperty())) {
      assertNamesOnly(cql, DigestSubscriptionsTable.TABLE, columns);
    }
  }

  @Test
  void aClaimIsKeyedByPropertyFrequencyPeriodAndRecipient() throws Exception {
    Map<String, String> columns = Fakes.schemaColumns(SentDigestsTable.TABLE);
    assertThat(columns.get("PRIMARY KEY")).isEqualTo("property_id,frequency,period_start,recipient");
    assertThat(SentDigestsTable.claim()).endsWith("IF NOT EXISTS");
    for (String cql : List.of(SentDigestsTable.claim(), SentDigestsTable.retake(), SentDigestsTable.markSent(),
        SentDigestsTable.markFailed(), SentDigestsTable.selectPeriod())) {
      assertNamesOnly(cql, SentDigestsTable.TABLE, columns);
      assertThat(cql).as("every change is conditional").containsAnyOf(" IF ", "SELECT");
    }
  }

  private static void assertNamesOnly(String cql, String table, Map<String, String> columns) {
    Matcher m = IDENT.matcher(cql.replaceAll("'[A-Z]+'", "").toLowerCase(java.util.Locale.ROOT));
    while (m.find()) {
      String w = m.group(1);
      if (!w.equals(table) && !CQL_WORDS.contains(w)) {
        assertThat(columns).as(cql).containsKey(w);
      }
    }
  }
}
