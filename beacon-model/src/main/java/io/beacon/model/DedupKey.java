package io.beacon.model;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Objects;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * What makes two hits copies of one: the same request ({@code request_id}) of the same client of the same
 * property. The one definition of a duplicate, used by every layer that drops copies: the collector's de-dup
 * claims (this object is the Ignite key), the Spark job's de-duplication ({@link #hash128()}, its state key) and
 * QuestDB's upsert keys on the raw table (these columns plus {@code ts}, which every copy shares because a retry is
 * produced with its first attempt's times). Where the request id comes from (the sender's, else derived from the
 * payload) is the collector's business (docs/analytics-model.md).
 *
 * <p>A plain final class, not a record: Ignite 2.17's binary marshaller cannot write records, and this is a
 * cluster-wide cache key (equal and hashed alike on every node).
 */
public final class DedupKey implements Serializable, Comparable<DedupKey> {
  private static final long serialVersionUID = 1L;
  /** Seed of {@link #hash128()}; changing it changes every key (a Spark checkpoint's state would not match). */
  private static final long SEED = 0x6265_6163_6f6eL; // "beacon"
  private static final Comparator<DedupKey> ORDER = Comparator.comparing(DedupKey::propertyId)
      .thenComparing(DedupKey::clientId).thenComparing(DedupKey::requestId);

  private final String propertyId;
  private final String clientId;
  private final String requestId;

  public DedupKey(String propertyId, String clientId, String requestId) {
    if (propertyId == null || clientId == null || requestId == null) {
      throw new IllegalArgumentException("a dedup key needs property, client and request ids");
    }
    this.propertyId = propertyId;
    this.clientId = clientId;
    this.requestId = requestId;
  }

  public static DedupKey of(Hit hit) {
    return new DedupKey(hit.propertyId(), hit.clientId(), hit.requestId());
  }

  public String propertyId() {
    return propertyId;
  }

  public String clientId() {
    return clientId;
  }

  public String requestId() {
    return requestId;
  }

  /**
   * The key as 16 bytes: a 128-bit MurmurHash3 of the three ids, each length-prefixed (so no two id triples share
   * an input). A compact state key where holding the ids themselves would cost more than the hash.
   */
  public byte[] hash128() {
    byte[] p = propertyId.getBytes(StandardCharsets.UTF_8);
    byte[] c = clientId.getBytes(StandardCharsets.UTF_8);
    byte[] r = requestId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer ids = ByteBuffer.allocate(12 + p.length + c.length + r.length);
    ids.putInt(p.length).put(p).putInt(c.length).put(c).putInt(r.length).put(r);
    long[] h = MurmurHash3.hash(ids.array(), SEED);
    return ByteBuffer.allocate(16).putLong(h[0]).putLong(h[1]).array();
  }

  /** By property, client, request: batches go to Ignite sorted (it warns about unordered batch maps). */
  @Override
  public int compareTo(DedupKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DedupKey k && propertyId.equals(k.propertyId) && clientId.equals(k.clientId)
        && requestId.equals(k.requestId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(propertyId, clientId, requestId);
  }

  /** Property and request only: a client id is a person's pseudonym and stays out of logs. */
  @Override
  public String toString() {
    return "DedupKey[" + propertyId + ", request " + requestId + "]";
  }
}
