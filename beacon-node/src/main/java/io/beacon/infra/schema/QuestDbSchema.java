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

  /**
   * Whether a failed migration statement found its work done. QuestDB refuses "ADD COLUMN IF NOT EXISTS" of a column
   * a WAL table already has ("statement is either no-op ..."): the expected outcome on every start after the first.
   * And when several nodes start together (compose, the rehearsal), two may add the same column at once: the second
   * gets "duplicate column" (its IF NOT EXISTS was checked before the first's commit), which stopped the node.
   */
  static boolean alreadyApplied(String stmt, String error) {
    return addsColumnIfAbsent(stmt) && (error.contains("no-op") || error.contains("duplicate column"));
  }

  public static Future<Void> apply(Pool pool) {
    Future<Void> chain = Future.succeededFuture();
    for (String stmt : statements()) {
      chain = chain.compose(v -> pool.query(stmt).execute().<Void>mapEmpty().recover(e ->
          alreadyApplied(stmt, String.valueOf(e.getMessage())) ? Future.succeededFuture() : Future.failedFuture(e)));
    }
    return chain
        .onSuccess(v -> LOG.info("QuestDB schema up to date (table {})", HITS_TABLE))
        .onFailure(e -> LOG.error("QuestDB schema migration failed: {}", e.toString()));
  }
}
