package io.beacon.store.cassandra;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The one owner of Cassandra's {@code sent_digests} table (schema/cassandra.cql): the claim and outcome of each email
 * report, keyed by (property, frequency, period start) and recipient. A node inserts the claim {@code IF NOT EXISTS}
 * before it sends, so of the cluster's query nodes exactly one sends a digest; every later change is conditional on
 * the claim it holds ({@code claimed_by} and {@code attempts}), so a node whose claim was retaken cannot overwrite
 * the new holder's outcome. Rows expire after a year (the table's TTL).
 */
public final class SentDigestsTable {
  public static final String TABLE = "sent_digests";

  /** Where a digest is. */
  public enum Status { SENDING, SENT, FAILED }

  private SentDigestsTable() {}

  /** A row as stored. */
  public record SentDigest(String propertyId, String frequency, LocalDate periodStart, String recipient, Status status,
                           String claimedBy, Instant claimedAt, int attempts, Instant nextAttemptAt) {
  }

  /**
   * Values: property_id, frequency, period_start, recipient, claimed_by, claimed_at: the first claim (status
   * SENDING, attempt 1). Not applied: the row's current values come back (read with {@link #from}).
   */
  public static String claim() {
    return "INSERT INTO " + TABLE + " (property_id, frequency, period_start, recipient, status, claimed_by, claimed_at,"
        + " attempts) VALUES (?, ?, ?, ?, 'SENDING', ?, ?, 1) IF NOT EXISTS";
  }

  /**
   * Values: claimed_by, claimed_at, attempts (the new count), then the key (property_id, frequency, period_start,
   * recipient), then the status and attempts the taker read: retakes a FAILED claim due for a retry, or a SENDING one
   * whose node died, only if nobody else did first.
   */
  public static String retake() {
    return "UPDATE " + TABLE + " SET status = 'SENDING', claimed_by = ?, claimed_at = ?, attempts = ?"
        + " WHERE property_id = ? AND frequency = ? AND period_start = ? AND recipient = ? IF status = ? AND attempts = ?";
  }

  /** Values: sent_at, then the key, then claimed_by and attempts of the claim held: the digest went out. */
  public static String markSent() {
    return "UPDATE " + TABLE + " SET status = 'SENT', sent_at = ?"
        + " WHERE property_id = ? AND frequency = ? AND period_start = ? AND recipient = ? IF claimed_by = ? AND attempts = ?";
  }

  /**
   * Values: next_attempt_at, last_error (no address in it), then the key, then claimed_by and attempts of the claim
   * held: the send failed; the next tick after next_attempt_at retries.
   */
  public static String markFailed() {
    return "UPDATE " + TABLE + " SET status = 'FAILED', next_attempt_at = ?, last_error = ?"
        + " WHERE property_id = ? AND frequency = ? AND period_start = ? AND recipient = ? IF claimed_by = ? AND attempts = ?";
  }

  /** Every digest of one property's period ({@code property_id = ? AND frequency = ? AND period_start = ?}). */
  public static String selectPeriod() {
    return "SELECT property_id, frequency, period_start, recipient, status, claimed_by, claimed_at, attempts,"
        + " next_attempt_at FROM " + TABLE + " WHERE property_id = ? AND frequency = ? AND period_start = ?";
  }

  /** The row of a claim that was not applied, or of {@link #selectPeriod}. */
  public static SentDigest from(com.datastax.oss.driver.api.core.cql.Row row) {
    String status = row.getString("status");
    return new SentDigest(row.getString("property_id"), row.getString("frequency"), row.getLocalDate("period_start"),
        row.getString("recipient"), status == null ? Status.SENDING : Status.valueOf(status), row.getString("claimed_by"),
        row.getInstant("claimed_at"), row.isNull("attempts") ? 0 : row.getInt("attempts"), row.getInstant("next_attempt_at"));
  }
}
