package io.beacon.store.cassandra;

import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/**
 * The one owner of Cassandra's {@code annotations} table (schema/cassandra.cql): notes on a property's timeline ("new
 * pricing page", "newsletter sent"), each on a local day of the property, shown on the dashboard's time charts and
 * listed by the API (README, "Annotations"). One partition per property, clustered by the
 * annotation's id (a time-based UUID: creation order); a property holds at most {@link #MAX_PER_PROPERTY}.
 */
public final class AnnotationsTable {
  public static final String TABLE = "annotations";
  /** How many annotations a property may hold (GA4 allows 1,000 per property too). */
  public static final int MAX_PER_PROPERTY = 1_000;
  /** The longest title, in characters (GA4's limit). */
  public static final int MAX_TITLE = 150;
  /** The longest description, in characters. */
  public static final int MAX_DESCRIPTION = 1_000;

  private AnnotationsTable() {}

  /** An annotation as stored. */
  public record Annotation(String propertyId, UUID id, LocalDate day, String title, String description,
                           String createdBy, Instant createdAt) {
  }

  /** Values: property_id, id, day, title, description, created_by, created_at ({@link #insertValues}). */
  public static String insert() {
    return "INSERT INTO " + TABLE + " (property_id, id, day, title, description, created_by, created_at)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?)";
  }

  public static Object[] insertValues(Annotation a) {
    return new Object[] {a.propertyId(), a.id(), a.day(), a.title(), a.description(), a.createdBy(), a.createdAt()};
  }

  /** Values: day, title, description, property_id, id: rewrites an annotation that exists (a lightweight transaction). */
  public static String updateIfExists() {
    return "UPDATE " + TABLE + " SET day = ?, title = ?, description = ? WHERE property_id = ? AND id = ? IF EXISTS";
  }

  /** Every annotation of a property ({@code property_id = ?}), oldest first; read with {@link #from}. */
  public static String selectByProperty() {
    return "SELECT property_id, id, day, title, description, created_by, created_at FROM " + TABLE
        + " WHERE property_id = ?";
  }

  /** One annotation ({@code property_id = ? AND id = ?}); read with {@link #from}. */
  public static String selectOne() {
    return selectByProperty() + " AND id = ?";
  }

  /** Deletes one annotation ({@code property_id = ? AND id = ?}). */
  public static String delete() {
    return "DELETE FROM " + TABLE + " WHERE property_id = ? AND id = ?";
  }

  /** Every annotation of a property ({@code property_id = ?}): the purge of a deleted property. */
  public static String deleteByProperty() {
    return "DELETE FROM " + TABLE + " WHERE property_id = ?";
  }

  public static Annotation from(com.datastax.oss.driver.api.core.cql.Row row) {
    return new Annotation(row.getString("property_id"), row.getUuid("id"), row.getLocalDate("day"),
        row.getString("title"), row.getString("description"), row.getString("created_by"),
        row.getInstant("created_at"));
  }
}
