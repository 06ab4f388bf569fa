package io.beacon.infra.schema;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates or migrates the raw-hit table from {@code schema/questdb.sql}, idempotently. */
public final class QuestDbSchema {
  private static final Logger LOG = LoggerFactory.getLogger(QuestDbSchema.class);
  static final String SCRIPT = "schema/questdb.sql";
  public static final String HITS_TABLE = "hits";

  private QuestDbSchema() {}

  public static List<String> statements() {
    return SqlScript.statements(SCRIPT, Map.of());
  }

  static boolean addsColumnIfAbsent(String stmt) {
    return stmt.toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ").matches("ALTER TABLE \\S+ ADD COLUMN IF NOT EXISTS .*");
  }

  public static Future<Void> apply(Pool pool) {
    Future<Void> chain = Future.succeededFuture();
    for (String stmt : statements()) {
      chain = chain.compose(v -> pool.query(stmt).execute().<Void>mapEmpty().recover(e -> {
        // QuestDB refuses "ADD COLUMN IF NOT EXISTS" of a column a WAL table already has ("statement is either
        // no-op ..."): for an append-only migration that is the expected outcome on every start after the first.
        if (addsColumnIfAbsent(stmt) && String.valueOf(e.getMessage()).contains("no-op")) {
          return Future.succeededFuture();
        }
        return Future.failedFuture(e);
      }));
    }
    return chain
        .onSuccess(v -> LOG.info("QuestDB schema up to date (table {})", HITS_TABLE))
        .onFailure(e -> LOG.error("QuestDB schema migration failed: {}", e.toString()));
  }
}
