package io.beacon.store.cassandra;

import java.time.Instant;

/**
 * The one owner of Cassandra's {@code digest_subscriptions} table (schema/cassandra.cql): who receives a property's
 * weekly or monthly email report (README, "Email reports"). One partition per property, clustered by frequency and
 * recipient, so a recipient is subscribed at most once per frequency; a property holds at most
 * {@link #MAX_PER_PROPERTY}. The recipient is an email address: person data, never logged.
 */
public final class DigestSubscriptionsTable {
  public static final String TABLE = "digest_subscriptions";
  /** Subscriptions per property: a digest is a report per recipient, not a mailing list. */
  public static final int MAX_PER_PROPERTY = 50;

  private DigestSubscriptionsTable() {}

  /** A subscription as stored; {@code frequency} is the name of a digest frequency (WEEKLY, MONTHLY). */
  public record Subscription(String propertyId, String frequency, String recipient, String createdBy,
                             Instant createdAt) {
  }

  private static final String COLUMNS = "property_id, frequency, recipient, created_by, created_at";

  /** Values: {@link #insertValues}; an existing subscription stays as it was (a lightweight transaction). */
  public static String insertIfNotExists() {
    return "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?) IF NOT EXISTS";
  }

  public static Object[] insertValues(Subscription s) {
    return new Object[] {s.propertyId(), s.frequency(), s.recipient(), s.createdBy(), s.createdAt()};
  }

  /** A property's subscriptions ({@code property_id = ?}); read with {@link #from}. */
  public static String selectByProperty() {
    return "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE property_id = ?";
  }

  /** Every subscription of the cluster (the scheduler's tick: a small table); read with {@link #from}. */
  public static String selectAll() {
    return "SELECT " + COLUMNS + " FROM " + TABLE;
  }

  /** Deletes one ({@code property_id = ? AND frequency = ? AND recipient = ?}), answering whether it existed. */
  public static String deleteIfExists() {
    return "DELETE FROM " + TABLE + " WHERE property_id = ? AND frequency = ? AND recipient = ? IF EXISTS";
  }

  /** Every subscription of a property ({@code property_id = ?}): the purge of a deleted property. */
  public static String deleteByProperty() {
    return "DELETE FROM " + TABLE + " WHERE property_id = ?";
  }

  public static Subscription from(com.datastax.oss.driver.api.core.cql.Row row) {
    return new Subscription(row.getString("property_id"), row.getString("frequency"), row.getString("recipient"),
        row.getString("created_by"), row.getInstant("created_at"));
  }
}
