package io.beacon.recompute;

import io.beacon.api.ApiException;
import io.beacon.model.Hit;
import io.beacon.model.report.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the explorations that read raw hits one person at a time (funnels, cohorts) share: the grouping of a read
 * ordered by client ({@link RawHits#streamByClient}) into persons, the deadline of the query side's wait, and the
 * key identical concurrent requests share a computation by.
 */
final class PersonReads {
  private PersonReads() {}

  /** A pacer that gives up once {@code timeoutMs} from {@code started} are over (the query side stopped waiting). */
  static RawHits.Pacer deadline(long started, long timeoutMs) {
    return rows -> {
      if ((rows & 1023) == 0 && System.currentTimeMillis() - started > timeoutMs) {
        throw new DeadlineExceeded();
      }
      return 0;
    };
  }

  /** A failed read as the API's error: the caller's mistake (400), the deadline (503), else as it is. */
  static Throwable failure(Throwable e, String what, long timeoutMs) {
    if (e instanceof InvalidRequestException ire) {
      return ApiException.of(ire);
    }
    if (e instanceof DeadlineExceeded) {
      return new ApiException(503, "", "the " + what + " took longer than " + timeoutMs
          + " ms to compute; narrow the date range");
    }
    return e;
  }

  /** SHA-256 of the parts, one per line: the key identical concurrent requests share one computation by. */
  static String key(String... parts) {
    String k = String.join("\n", parts);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(k.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The answer's {@code metadata}: read from raw hits, exact (every count: no sketch, no sampling), the zone, the
   * rows read and the persons counted.
   */
  static Map<String, Object> metadata(ZoneId zone, long hitsScanned, long persons) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("dataSource", "rawHits");
    metadata.put("exact", true);
    metadata.put("timeZone", zone.getId());
    metadata.put("hitsScanned", hitsScanned);
    metadata.put("persons", persons);
    metadata.put("computedAt", Instant.now().toString());
    return metadata;
  }

  /** The read outran the caller's wait. */
  static final class DeadlineExceeded extends RuntimeException {
    DeadlineExceeded() {
      super("deadline", null, false, false);
    }
  }

  /**
   * Collects one client's hits (rows arrive ordered by client) and hands them to {@code person} when the next
   * client begins, or at {@link #flush()} after the read: one person's hits held at a time.
   */
  static final class ByPerson implements Consumer<Hit> {
    private final Consumer<List<Hit>> person;
    private final List<Hit> hits = new ArrayList<>();
    private String client;

    ByPerson(Consumer<List<Hit>> person) {
      this.person = person;
    }

    @Override
    public void accept(Hit hit) {
      if (client != null && !client.equals(hit.clientId())) {
        flush();
      }
      client = hit.clientId();
      hits.add(hit);
    }

    void flush() {
      if (!hits.isEmpty()) {
        person.accept(hits);
        hits.clear();
      }
    }
  }
}
