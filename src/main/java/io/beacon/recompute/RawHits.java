package io.beacon.recompute;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.model.Hit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Streams one property's raw hits of a time range from QuestDB over PG wire, {@code fetchSize} rows at a time,
 * so memory stays bounded whatever the range. Rows become {@link Hit}s with the fields the aggregation reads
 * (ids, event, page, acquisition, device, geo, flags); {@code params} only when asked for, since decoding JSON
 * per row costs more than everything else together.
 */
final class RawHits {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> PARAMS = new TypeReference<>() {};
  private static final String COLUMNS = "ts, client_id, user_id, request_id, session_id, event_name, engagement_ms,"
      + " session_engaged, key_event, first_visit, session_start, hostname, page_path, page_title, page_referrer,"
      + " source, medium, campaign, device_category, browser, os, screen_resolution, language, country, region, city,"
      + " is_bot";

  private final Pool questdb;
  private final int fetchSize;

  RawHits(Pool questdb, int fetchSize) {
    this.questdb = questdb;
    this.fetchSize = fetchSize;
  }

  /** Paces a stream (rate limits) and may abort it. */
  interface Pacer {
    /** Called after each row; returns a delay in ms to pause for, or 0; throws to abort the stream. */
    long afterRow(long rows);
  }

  /**
   * Feeds every hit of {@code propertyId} with {@code from <= ts < to} to {@code sink}, in time order, on the
   * caller's context. Completes with the number of rows read; fails if QuestDB fails mid-way (callers retry the
   * whole range: aggregation is not incremental).
   */
  Future<Long> stream(Vertx vertx, String propertyId, Instant from, Instant to, boolean withParams, Pacer pacer,
                      Consumer<Hit> sink) {
    String sql = "SELECT " + COLUMNS + (withParams ? ", params" : "")
        + " FROM hits WHERE property_id = $1 AND ts >= $2 AND ts < $3";
    return questdb.getConnection().compose(conn -> conn.prepare(sql).compose(ps -> {
      Promise<Long> done = Promise.promise();
      long[] rows = {0};
      RowStream<Row> stream = ps.createStream(fetchSize, Tuple.of(propertyId, utc(from), utc(to)));
      stream.exceptionHandler(done::tryFail)
          .endHandler(v -> done.tryComplete(rows[0]))
          .handler(row -> {
            try {
              sink.accept(toHit(propertyId, row, withParams));
              rows[0]++;
              long pause = pacer == null ? 0 : pacer.afterRow(rows[0]);
              if (pause > 0) {
                stream.pause();
                vertx.setTimer(pause, t -> stream.resume());
              }
            } catch (RuntimeException e) {
              // A bad row or a cancelled job: stop reading, fail the whole range.
              stream.pause();
              done.tryFail(e);
            }
          });
      return done.future().eventually(() -> stream.close().eventually(ps::close));
    }).eventually(conn::close));
  }

  private static LocalDateTime utc(Instant t) {
    return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  static Hit toHit(String propertyId, Row r, boolean withParams) {
    LocalDateTime ts = r.getLocalDateTime(0);
    Map<String, String> params = withParams ? params(r.getString(27)) : null;
    return new Hit(propertyId, r.getString(1), r.getString(2), r.getString(3), r.getString(4), null,
        ts.toInstant(ZoneOffset.UTC).toEpochMilli(), 0, r.getString(5), params, r.getLong(6), r.getBoolean(7),
        r.getBoolean(8), r.getBoolean(9), r.getBoolean(10), null, r.getString(11), r.getString(12), r.getString(13),
        r.getString(14), r.getString(15), r.getString(16), r.getString(17), null, null, r.getString(18),
        r.getString(19), null, r.getString(20), null, r.getString(21), r.getString(22), r.getString(23),
        r.getString(24), r.getString(25), r.getBoolean(26), null, Hit.SCHEMA_VERSION);
  }

  private static Map<String, String> params(String json) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    try {
      return JSON.readValue(json, PARAMS);
    } catch (IOException e) {
      throw new IllegalStateException("raw hit with unreadable params JSON: " + e.getMessage(), e);
    }
  }
}
