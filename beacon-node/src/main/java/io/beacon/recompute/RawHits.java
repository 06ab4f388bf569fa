package io.beacon.recompute;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.report.CustomDimension;
import io.beacon.store.questdb.RawHitColumn;
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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Streams one property's raw hits of a time range from QuestDB over PG wire, {@code fetchSize} rows at a time,
 * so memory stays bounded whatever the range. Rows become {@link Hit}s with the fields the aggregation reads
 * (ids, event, page, acquisition, device, geo, flags), reading only the columns asked for: decoding dominates
 * the cost of a row, and parameters' JSON most of all.
 */
final class RawHits {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> PARAMS = new TypeReference<>() {};
  /** The raw-table columns the aggregation reads (the rest are never fetched), {@code ts} first. */
  static final List<String> ALL = List.of("ts", "client_id", "user_id", "request_id", "session_id", "event_name",
      "engagement_ms", "key_event", "hostname", "page_path", "page_title", "page_referrer", "source", "medium",
      "campaign", "term", "content", "device_category", "browser", "os", "screen_resolution", "language",
      "country", "region", "city", "is_bot", "protocol", "non_interaction", "device_model", "device_brand",
      "stream_id", "params");
  /**
   * Everything the precomputed aggregates read (corrections rebuild them all): all but what only dimensions answered
   * by recompute read (the device's model and brand, the stream, the parameters).
   */
  static final List<String> PRECOMPUTED_COLUMNS = ALL.subList(0, ALL.size() - 4);
  /**
   * What every metric and the session scope read ({@link io.beacon.model.session.Sessions}: session, engagement,
   * attribution and landing page), plus the time.
   */
  static final List<String> METRIC_COLUMNS = List.of("ts", "client_id", "request_id", "session_id", "event_name",
      "engagement_ms", "key_event", "page_path", "source", "medium", "campaign", "term", "content", "is_bot",
      "protocol", "non_interaction");

  /**
   * The columns a dimension reads, so a report fetches only what it needs (decoding dominates the cost of a
   * row); time dimensions read {@code ts}, custom event parameters and user properties {@code params}.
   */
  static List<String> columnsOf(String dimension) {
    if (CustomDimension.of(dimension).isPresent()) {
      return List.of("params");
    }
    Dimension d = Dimension.ofApiName(dimension);
    if (d == null) {
      return List.of("ts");
    }
    return switch (d) {
      case PAGE_PATH -> List.of("page_path");
      case PAGE_TITLE -> List.of("page_title");
      case LANDING_PAGE, NEW_VS_RETURNING, SESSION_DEFAULT_CHANNEL_GROUP, FIRST_USER_SOURCE, FIRST_USER_MEDIUM, FIRST_USER_CAMPAIGN_NAME,
          SESSION_MANUAL_TERM, SESSION_MANUAL_AD_CONTENT -> METRIC_COLUMNS; // the session scope's
      case HOST_NAME -> List.of("hostname");
      case PAGE_REFERRER -> List.of("page_referrer");
      case SESSION_SOURCE -> List.of("source");
      case SESSION_MEDIUM -> List.of("medium");
      case SESSION_CAMPAIGN_NAME -> List.of("campaign");
      case SESSION_SOURCE_MEDIUM -> List.of("source", "medium");
      case DEVICE_CATEGORY -> List.of("device_category");
      case BROWSER -> List.of("browser");
      case OPERATING_SYSTEM -> List.of("os");
      case SCREEN_RESOLUTION -> List.of("screen_resolution");
      case MOBILE_DEVICE_MODEL -> List.of("device_model");
      case MOBILE_DEVICE_BRANDING -> List.of("device_brand");
      case LANGUAGE -> List.of("language");
      case COUNTRY -> List.of("country");
      case REGION -> List.of("region");
      case CITY -> List.of("city");
      case EVENT_NAME -> List.of("event_name");
      case STREAM_ID, PLATFORM -> List.of("stream_id");
    };
  }

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
  Future<Long> stream(Vertx vertx, String propertyId, Instant from, Instant to, Collection<String> columns,
                      Pacer pacer, Consumer<Hit> sink) {
    return stream(vertx, propertyId, from, to, columns, pacer, sink, "", List.of(), "");
  }

  /**
   * {@link #stream} ordered by client, then time: each client's hits come together, so a caller can hold one
   * person's hits at a time (funnels). QuestDB sorts the range's rows for it (its memory, not the node's); the
   * time order within a client is only a convenience, callers put a person's hits in event order themselves.
   * {@code client_id} is always read.
   */
  Future<Long> streamByClient(Vertx vertx, String propertyId, Instant from, Instant to, Collection<String> columns,
                              Pacer pacer, Consumer<Hit> sink) {
    java.util.Set<String> cols = new java.util.LinkedHashSet<>(columns);
    cols.add("client_id");
    return stream(vertx, propertyId, from, to, cols, pacer, sink, "", List.of(), " ORDER BY client_id, ts");
  }

  /**
   * {@link #stream} of one client's hits, latest first (the user explorer: what a limit keeps is the latest). The
   * id is bound as a parameter, never spliced into the query's text.
   */
  Future<Long> streamClient(Vertx vertx, String propertyId, String clientId, Instant from, Instant to,
                            Collection<String> columns, Pacer pacer, Consumer<Hit> sink) {
    return stream(vertx, propertyId, from, to, columns, pacer, sink, " AND client_id = $4", List.of(clientId),
        " ORDER BY ts DESC");
  }

  /** The distinct clients (at most {@code max}) whose hits of [from, to) carry {@code userId}, bound as a parameter. */
  Future<java.util.Set<String>> clientsOfUser(String propertyId, String userId, Instant from, Instant to, int max) {
    String sql = "SELECT DISTINCT client_id FROM hits WHERE property_id = $1 AND ts >= $2 AND ts < $3"
        + " AND user_id = $4 LIMIT " + max;
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    return questdb.getConnection().compose(conn -> conn.prepare(sql).compose(ps -> {
      Promise<java.util.Set<String>> done = Promise.promise();
      RowStream<Row> stream = ps.createStream(fetchSize, Tuple.of(propertyId, utc(from), utc(to), userId));
      stream.exceptionHandler(done::tryFail)
          .endHandler(v -> done.tryComplete(out))
          .handler(row -> out.add(row.getString(0)));
      return done.future().eventually(() -> stream.close().eventually(ps::close));
    }).eventually(conn::close));
  }

  /**
   * The read: {@code where} adds conditions on parameters $4... bound to {@code params} (constant text only: values
   * are always bound).
   */
  private Future<Long> stream(Vertx vertx, String propertyId, Instant from, Instant to, Collection<String> columns,
                      Pacer pacer, Consumer<Hit> sink, String where, List<Object> params, String orderBy) {
    List<RawHitColumn> selected = ALL.stream().filter(c -> c.equals("ts") || columns.contains(c))
        .map(RawHitColumn::byName).toList();
    String sql = "SELECT " + String.join(", ", selected.stream().map(RawHitColumn::column).toList()) + " FROM hits WHERE property_id = $1 AND ts >= $2 AND ts < $3" + where + orderBy;
    Tuple args = Tuple.of(propertyId, utc(from), utc(to));
    params.forEach(args::addValue);
    return questdb.getConnection().compose(conn -> conn.prepare(sql).compose(ps -> {
      Promise<Long> done = Promise.promise();
      long[] rows = {0};
      RowStream<Row> stream = ps.createStream(fetchSize, args);
      stream.exceptionHandler(done::tryFail)
          .endHandler(v -> done.tryComplete(rows[0]))
          .handler(row -> {
            try {
              sink.accept(toHit(propertyId, row, selected));
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

  /** The distinct clients (bots included) of {@code propertyId} with a hit in [from, to). */
  Future<java.util.Set<String>> clients(String propertyId, Instant from, Instant to) {
    String sql = "SELECT DISTINCT client_id FROM hits WHERE property_id = $1 AND ts >= $2 AND ts < $3";
    java.util.Set<String> out = new java.util.HashSet<>();
    return questdb.getConnection().compose(conn -> conn.prepare(sql).compose(ps -> {
      Promise<java.util.Set<String>> done = Promise.promise();
      RowStream<Row> stream = ps.createStream(fetchSize, Tuple.of(propertyId, utc(from), utc(to)));
      stream.exceptionHandler(done::tryFail)
          .endHandler(v -> done.tryComplete(out))
          .handler(row -> out.add(row.getString(0)));
      return done.future().eventually(() -> stream.close().eventually(ps::close));
    }).eventually(conn::close));
  }

  private static LocalDateTime utc(Instant t) {
    return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  /** A hit from a row holding {@code columns} in that order; the others are null (0 for the times). */
  static Hit toHit(String propertyId, Row r, List<RawHitColumn> columns) {
    Hit.Builder hit = Hit.builder().propertyId(propertyId);
    for (int i = 0; i < columns.size(); i++) {
      RawHitColumn c = columns.get(i);
      Object value = switch (c.kind()) {
        case TAG, STRING -> r.getString(i);
        case INT -> r.getInteger(i);
        case LONG -> r.getLong(i);
        case BOOL -> r.getBoolean(i);
        case PARAMS -> params(r.getString(i));
        case TIMESTAMP, DESIGNATED_TIMESTAMP -> {
          LocalDateTime t = r.getLocalDateTime(i);
          yield t == null ? null : t.toInstant(ZoneOffset.UTC).toEpochMilli();
        }
      };
      c.set(hit, value);
    }
    return hit.build();
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
