package io.beacon.model.explorer;

import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.report.ProtoJson;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code runUserTimeline} request (docs/analytics-model.md, "User explorer"), parsed from plain Java
 * values: exactly one of a client id and a user id, an optional date range (GA4's date expressions in the
 * property's zone; default the last {@value #DEFAULT_DAYS} days, at most {@value #MAX_DAYS}) and the most events
 * to list.
 *
 * @param id    the person searched for, by {@code kind}
 * @param limit at most this many events in the answer (the latest)
 */
public record TimelineRequest(IdKind kind, String id, DateRangeSpec dateRange, int limit) {
  /** What the searched id is. */
  public enum IdKind {
    CLIENT_ID("clientId"), USER_ID("userId");

    private final String field;

    IdKind(String field) {
      this.field = field;
    }

    /** The request's field (and the erasure API's) that names this kind of id. */
    public String field() {
      return field;
    }
  }

  public static final Set<String> FIELDS = Set.of("property", "clientId", "userId", "dateRange", "limit");
  public static final int DEFAULT_DAYS = 90;
  public static final int MAX_DAYS = 400;
  public static final int DEFAULT_LIMIT = 1_000;
  public static final int MAX_LIMIT = 10_000;
  /** The raw store's ids are the senders' strings; nothing longer is a real one (the collector caps them too). */
  static final int MAX_ID_LENGTH = 256;

  public static TimelineRequest parse(Map<String, ?> body, ZoneId zone, LocalDate today) {
    if (body == null) {
      throw InvalidRequestException.of("body", "must be a JSON object");
    }
    ProtoJson.only(body, "", FIELDS);
    String clientId = ProtoJson.string(body, "clientId", "");
    String userId = ProtoJson.string(body, "userId", "");
    if (!clientId.isEmpty() && !userId.isEmpty()) {
      throw InvalidRequestException.of("userId", "give a clientId or a userId, not both");
    }
    if (clientId.isEmpty() && userId.isEmpty()) {
      throw InvalidRequestException.of("clientId", "is required (or a userId)");
    }
    IdKind kind = clientId.isEmpty() ? IdKind.USER_ID : IdKind.CLIENT_ID;
    String id = clientId.isEmpty() ? userId : clientId;
    if (id.isBlank() || id.length() > MAX_ID_LENGTH) {
      throw InvalidRequestException.of(kind.field(), "must be 1 to " + MAX_ID_LENGTH + " characters, not blank");
    }
    DateRangeSpec range;
    Map<?, ?> dr = ProtoJson.message(body, "dateRange", "");
    if (dr == null) {
      range = new DateRangeSpec("date_range_0", today.minusDays(DEFAULT_DAYS - 1), today);
    } else {
      ProtoJson.only(dr, "dateRange", Set.of("startDate", "endDate", "name"));
      range = DateRangeSpec.resolve("date_range_0", ProtoJson.string(dr, "startDate", "dateRange"),
          ProtoJson.string(dr, "endDate", "dateRange"), zone, today, "dateRange", MAX_DAYS);
    }
    long limit = ProtoJson.int64(body, "limit", "", DEFAULT_LIMIT);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw InvalidRequestException.of("limit", "must be 1 to " + MAX_LIMIT + ", was " + limit);
    }
    return new TimelineRequest(kind, id, range, (int) limit);
  }
}
