package io.beacon.store.cassandra;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The one owner of Cassandra's {@code erasures} table (schema/cassandra.cql): one tombstone per person erased from
 * a property ({@code id_kind} {@code client_id} or {@code user_id}, the id, when). Written by the bridge when an
 * erasure starts, before anything is deleted; read by the bridge (its raw consumer skips a tombstoned person's hits
 * received before the erasure, so a Kafka replay writes none back) and, through {@link #RECENT_TABLE}, by the Spark
 * job (which counts none of them
 * and records no first visit for them, from its next micro-batch on). Rows are kept: Kafka's own retention bounds
 * how old a replayed hit can be ({@link #REPLAY_HORIZON}), but a tombstone is a small record that the erasure
 * happened.
 *
 * <p>Every tombstone is also written to {@code recent_erasures} ({@link #RECENT_TABLE}), partitioned by the UTC day of
 * the erasure and expiring past {@link #REPLAY_HORIZON}: the Spark job reads that one at every micro-batch, a read
 * bounded by the erasures of the last days rather than by every erasure ever made.
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

  /** The table of the tombstones younger than {@link #REPLAY_HORIZON}, by UTC day of erasure. */
  public static final String RECENT_TABLE = "recent_erasures";

  /** Values: day, property_id, id_kind, id, erased_at, TTL in seconds ({@link #insertRecentValues}). */
  public static String insertRecent() {
    return "INSERT INTO " + RECENT_TABLE + " (day, property_id, id_kind, id, erased_at) VALUES (?, ?, ?, ?, ?)"
        + " USING TTL ?";
  }

  /**
   * The values of {@link #insertRecent} for {@code t} at {@code now}: the row expires when the tombstone passes the
   * horizon. Null when it already has (nothing to write).
   */
  public static Object[] insertRecentValues(Tombstone t, Instant now) {
    long ttl = Duration.between(now, t.erasedAt().plus(REPLAY_HORIZON)).toSeconds();
    if (ttl <= 0) {
      return null;
    }
    return new Object[] {LocalDate.ofInstant(t.erasedAt(), ZoneOffset.UTC), t.propertyId(), t.idKind(), t.id(),
        t.erasedAt(), (int) ttl};
  }

  /** The recent tombstones of the days bound to its one value ({@link #recentDays}); read with {@link #from}. */
  public static String selectRecent(String keyspace) {
    return "SELECT property_id, id_kind, id, erased_at FROM "
        + (keyspace == null ? RECENT_TABLE : keyspace + "." + RECENT_TABLE) + " WHERE day IN ?";
  }

  /** The UTC days a tombstone younger than {@link #REPLAY_HORIZON} at {@code now} can be filed under, oldest first. */
  public static List<LocalDate> recentDays(Instant now) {
    LocalDate last = LocalDate.ofInstant(now, ZoneOffset.UTC);
    List<LocalDate> days = new ArrayList<>();
    for (LocalDate d = LocalDate.ofInstant(now.minus(REPLAY_HORIZON), ZoneOffset.UTC); !d.isAfter(last);
         d = d.plusDays(1)) {
      days.add(d);
    }
    return days;
  }

  /** Every tombstone (read with {@link #from}). */
  public static String selectAll(String keyspace) {
    return "SELECT property_id, id_kind, id, erased_at FROM " + (keyspace == null ? TABLE : keyspace + "." + TABLE);
  }

  /** One property's tombstones ({@code property_id = ?}; read with {@link #from}). */
  public static String selectByProperty() {
    return selectAll(null) + " WHERE property_id = ?";
  }

  /** Every tombstone of a property ({@code property_id = ?}): the purge of a deleted property. */
  public static String deleteByProperty() {
    return "DELETE FROM " + TABLE + " WHERE property_id = ?";
  }

  /** A property's recent tombstones of one day ({@code day = ? AND property_id = ?}): the purge. */
  public static String deleteRecentOfProperty() {
    return "DELETE FROM " + RECENT_TABLE + " WHERE day = ? AND property_id = ?";
  }

  public static Tombstone from(com.datastax.oss.driver.api.core.cql.Row row) {
    return new Tombstone(row.getString("property_id"), row.getString("id_kind"), row.getString("id"),
        row.getInstant("erased_at"));
  }
}
