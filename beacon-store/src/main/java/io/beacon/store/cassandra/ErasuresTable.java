package io.beacon.store.cassandra;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * The one owner of Cassandra's {@code erasures} table (schema/cassandra.cql): one tombstone per person erased from
 * a property ({@code id_kind} {@code client_id} or {@code user_id}, the id, when). Written by the bridge when an
 * erasure starts, before anything is deleted; read by the bridge (its raw consumer skips a tombstoned person's hits
 * received before the erasure, so a Kafka replay writes none back) and by the Spark job (which counts none of them
 * and records no first visit for them, from its next micro-batch on). Rows are kept: Kafka's own retention bounds
 * how old a replayed hit can be ({@link #REPLAY_HORIZON}), but a tombstone is a small record that the erasure
 * happened.
 *
 * <p>Statements without a keyspace are for sessions bound to Beacon's keyspace (the node's); the Spark job's
 * session is bound to none and passes its keyspace.
 */
public final class ErasuresTable {
  public static final String TABLE = "erasures";
  /** {@code id_kind} of an erasure by client id. */
  public static final String CLIENT_ID = "client_id";
  /** {@code id_kind} of an erasure by user id. */
  public static final String USER_ID = "user_id";
  /**
   * How long a tombstone can meet a replayed hit: Kafka's hits retention (7 d) and a margin. Readers keep the
   * tombstones younger than this in memory; an older one cannot cover a hit still in the topic.
   */
  public static final Duration REPLAY_HORIZON = Duration.ofDays(8);

  private ErasuresTable() {}

  /** A tombstone: who, of which property, erased at what time. */
  public record Tombstone(String propertyId, String idKind, String id, Instant erasedAt) {
    /** Whether a hit of this person received at {@code receivedAt} (epoch ms) is erased. */
    public boolean covers(long receivedAt) {
      return receivedAt <= erasedAt.toEpochMilli();
    }
  }

  /** A tombstone's key in a reader's lookup (erasure time by key): property, id kind and id. */
  public static String key(String propertyId, String idKind, String id) {
    return propertyId + '\u0000' + idKind + '\u0000' + id;
  }

  /**
   * Whether a hit of this property and ids, received at {@code receivedAt} (epoch ms), belongs to an erased person:
   * its client id or its user id has a tombstone ({@code erasedAt}: key of {@link #key} to erasure time in epoch ms,
   * null if none) at or after the hit's receipt. A hit received after the erasure is a new visit and is kept.
   */
  public static boolean erased(Function<String, Long> erasedAt, String propertyId, String clientId, String userId,
                               long receivedAt) {
    return covers(clientId == null ? null : erasedAt.apply(key(propertyId, CLIENT_ID, clientId)), receivedAt)
        || covers(userId == null ? null : erasedAt.apply(key(propertyId, USER_ID, userId)), receivedAt);
  }

  private static boolean covers(Long erasedAt, long receivedAt) {
    return erasedAt != null && receivedAt <= erasedAt;
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
