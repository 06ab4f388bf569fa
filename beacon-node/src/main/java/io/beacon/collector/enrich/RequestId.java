package io.beacon.collector.enrich;

/**
 * A hit's request id and where it came from, which decides how long copies of the hit collapse
 * (docs/analytics-model.md, "Duplicates"):
 * <ul>
 *   <li>{@link Origin#SENDER}: the sender's own id of the hit (tracker {@code _rid}, MP {@code request_id} parameter,
 *       UA {@code z}): every copy within {@code collector.dedupWindowMs} (24 h) is one hit, and the id is the hit's
 *       {@code request_id} as sent;</li>
 *   <li>{@link Origin#DERIVED}: the sender gave none, so the collector hashes the payload. Identical payloads are
 *       not always copies (a server sending the same event twice on purpose), so only copies of one request retried
 *       within {@code collector.derivedIdWindowMs} (2 min) collapse. The produced hit's {@code request_id} is the hash
 *       plus the first attempt's receive time ({@link #produced}): copies within the window share the first
 *       attempt's time (the collector's de-dup mark keeps it), so they are one row in the raw store (upsert key
 *       {@code ts, property_id, client_id, request_id}) and one hit to the Spark job's de-duplication; identical hits
 *       further apart get different times, hence different ids, and count twice everywhere.</li>
 * </ul>
 *
 * @param value the sender's id, or the payload hash (a name-based UUID) for a derived one
 */
public record RequestId(String value, Origin origin) {
  /** Who made the id. */
  public enum Origin { SENDER, DERIVED }

  /** The id the produced hit carries, given when the first attempt of its request was received (epoch ms). */
  public String produced(long firstReceivedAt) {
    return origin == Origin.DERIVED ? value + "." + firstReceivedAt : value;
  }
}
