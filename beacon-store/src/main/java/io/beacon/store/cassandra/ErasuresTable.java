package io.beacon.store.cassandra;

import java.time.Instant;

/**
 * The one owner of Cassandra's {@code erasures} table (schema/cassandra.cql): one tombstone per person erased from
 * a property ({@code id_kind} {@code client_id} or {@code user_id}, the id, when). Written by the bridge when an
 * erasure starts, before anything is deleted; read by the bridge (its raw consumer skips a tombstoned person's hits
 * received before the erasure, so a Kafka replay writes none back). Rows are kept: Kafka's own retention bounds how
 * old a replayed hit can be, but a tombstone is a small record that the erasure happened.
 *
 * <p>Statements without a keyspace are for sessions bound to Beacon's keyspace (the node's); the Spark job's
 * session is bound to none and passes its keyspace.
 */
public final class ErasuresTable {
  public static final String TABLE = "erasures";

  private ErasuresTable() {}

  /** A tombstone: who, of which property, erased at what time. */
  public record Tombstone(String propertyId, String idKind, String id, Instant erasedAt) {
    /** Whether a hit of this person received at {@code receivedAt} (epoch ms) is erased. */
    public boolean covers(long receivedAt) {
      return receivedAt <= erasedAt.toEpochMilli();
    }
  }

  /** Values: property_id, id_kind, id, erased_at, requested_by ({@link #insertValues}). */
  public static String insert() {
    return "INSERT INTO " + TABLE + " (property_id, id_kind, id, erased_at, requested_by) VALUES (?, ?, ?, ?, ?)";
  }

  public static Object[] insertValues(Tombstone t, String requestedBy) {
    return new Object[] {t.propertyId(), t.idKind(), t.id(), t.erasedAt(), requestedBy};
  }

  /** Every tombstone (read with {@link #from}). */
  public static String selectAll(String keyspace) {
    return "SELECT property_id, id_kind, id, erased_at FROM " + (keyspace == null ? TABLE : keyspace + "." + TABLE);
  }

  public static Tombstone from(com.datastax.oss.driver.api.core.cql.Row row) {
    return new Tombstone(row.getString("property_id"), row.getString("id_kind"), row.getString("id"),
        row.getInstant("erased_at"));
  }
}
