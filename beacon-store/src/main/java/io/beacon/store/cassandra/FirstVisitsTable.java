package io.beacon.store.cassandra;

import io.beacon.model.session.ClientHistory;
import java.time.Instant;

/**
 * The one owner of Cassandra's {@code first_visits} table (schema/cassandra.cql): each client's first visit per
 * property as a {@link ClientHistory}. Writers: the Spark job and recompute; reader: recompute (the stream keeps
 * its own copy in its state store).
 *
 * <p><b>Earliest wins</b>: every insert carries the write time {@link #writeTime(long)} of its first visit,
 * larger for earlier visits, so Cassandra's last-write-wins keeps the earliest first visit whatever order
 * writers run in, and writing the same visit again changes nothing. No read-before-write, no lightweight
 * transaction.
 */
public final class FirstVisitsTable {
  public static final String TABLE = "first_visits";

  /**
   * Write times (microseconds) are this minus the first visit's epoch ms: far above any wall-clock write time
   * (~1.8e15 in 2027), so a plain delete would be shadowed; deletes use {@link #DELETE_TIME}.
   */
  static final long BASE = 1L << 62;
  /** The write time of a delete: above every insert's. */
  public static final long DELETE_TIME = BASE + 1;

  private FirstVisitsTable() {}

  /** Write time of a first visit at {@code firstTs} (epoch ms; earlier visits get larger write times). */
  public static long writeTime(long firstTs) {
    return BASE - firstTs;
  }

  /**
   * Values: property_id, client_id, first_ts, source, medium, campaign, first_request_id, write time ({@link
   * #insertValues}).
   */
  public static String insert(String keyspace) {
    return "INSERT INTO " + table(keyspace) + " (property_id, client_id, first_ts, source, medium, campaign,"
        + " first_request_id) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?";
  }

  public static Object[] insertValues(String propertyId, String clientId, ClientHistory first) {
    return new Object[] {propertyId, clientId, Instant.ofEpochMilli(first.firstTs()), first.firstSource(),
        first.firstMedium(), first.firstCampaign(), first.firstRid(), writeTime(first.firstTs())};
  }

  /** One client's first visit ({@code property_id = ? AND client_id = ?}); read with {@link #from}. */
  public static String select(String keyspace) {
    return "SELECT first_ts, source, medium, campaign, first_request_id FROM " + table(keyspace)
        + " WHERE property_id = ? AND client_id = ?";
  }

  /** Deletes a client's first visit ({@code property_id = ? AND client_id = ?}), e.g. on erasure. */
  public static String delete(String keyspace) {
    return "DELETE FROM " + table(keyspace) + " USING TIMESTAMP " + DELETE_TIME
        + " WHERE property_id = ? AND client_id = ?";
  }

  /**
   * The client ids of one property's first visits ({@code property_id = ?}): the partition key is the property and
   * the client, so this scans the table (filtered on the node); only the purge of a deleted property reads it, paged.
   */
  public static String selectClientsOfProperty() {
    return "SELECT client_id FROM " + TABLE + " WHERE property_id = ? ALLOW FILTERING";
  }

  /** The history a row of {@link #select} holds (null first_ts: none). */
  public static ClientHistory from(com.datastax.oss.driver.api.core.cql.Row row) {
    Instant first = row.getInstant("first_ts");
    return first == null ? ClientHistory.NONE
        : new ClientHistory(first.toEpochMilli(), row.getString("source"), row.getString("medium"),
            row.getString("campaign"), row.getString("first_request_id"));
  }

  private static String table(String keyspace) {
    return keyspace == null ? TABLE : keyspace + "." + TABLE;
  }
}
