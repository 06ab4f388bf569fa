package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * Request/reply, right to erasure ({@code beacon.bridge.erasure}): a bridge instance erases one person of one
 * property, known by client id or by user id, from every store Beacon keeps per-person data in (raw hits in
 * QuestDB, first visits in Cassandra, the property's cached ad-hoc reports; the aggregates are rebuilt from the
 * erased raw hits by a recompute job it queues), and records a tombstone so a replay cannot bring the person
 * back. Raw writes pause cluster-wide meanwhile; one erasure runs at a time (a concurrent request fails with
 * 409, retry it). Allow a generous send timeout. Failures: 400 naming the field, 409 busy, 500 otherwise.
 */
public final class RawErasureContract {
  private RawErasureContract() {}

  public static final RequestReply<Request, Result> CONTRACT = new RequestReply<>("beacon.bridge.erasure",
      Request::toJson, Request::fromJson, Result::toJson, Result::fromJson, FailureForm.PLAIN);

  /** How the person is known: the raw-hit column of the id, and its name on the wire and in the API. */
  public enum IdKind {
    CLIENT_ID("client_id", "clientId"),
    USER_ID("user_id", "userId");

    private final String column;
    private final String field;

    IdKind(String column, String field) {
      this.column = column;
      this.field = field;
    }

    /** The QuestDB column (and the tombstone's id_kind). */
    public String column() {
      return column;
    }

    /** The JSON field. */
    public String field() {
      return field;
    }

    /** The kind of a tombstone's id_kind column. */
    public static IdKind ofColumn(String column) {
      for (IdKind k : values()) {
        if (k.column.equals(column)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown id kind '" + column + "'");
    }
  }

  /**
   * Erase the person {@code id} (a {@code kind}) of property {@code propertyId}: {@code {"propertyId", "clientId"}} or
   * {@code {"propertyId", "userId"}} (exactly one), and who asked.
   */
  public record Request(String propertyId, IdKind kind, String id, String requestedBy) {
    JsonObject toJson() {
      return new JsonObject().put("propertyId", propertyId).put(kind.field(), id).put("requestedBy", requestedBy);
    }

    /** @throws BusFailure (400) naming the missing or conflicting field */
    public static Request fromJson(JsonObject json) {
      Object p = json.getValue("propertyId");
      if (!(p instanceof String property) || property.isBlank()) {
        throw new BusFailure(400, "propertyId", "propertyId is required");
      }
      IdKind kind = null;
      String id = null;
      for (IdKind k : IdKind.values()) {
        Object v = json.getValue(k.field());
        if (v == null) {
          continue;
        }
        if (!(v instanceof String s) || s.isEmpty()) {
          throw new BusFailure(400, k.field(), k.field() + " must be a non-empty string");
        }
        if (kind != null) {
          throw new BusFailure(400, k.field(), "give one of clientId and userId, not both");
        }
        kind = k;
        id = s;
      }
      if (kind == null) {
        throw new BusFailure(400, "clientId", "clientId or userId is required");
      }
      return new Request(property, kind, id, json.getString("requestedBy"));
    }
  }

  /**
   * What was erased: raw rows and the day partitions they were in, first-visit rows deleted, cached reports
   * dropped, when the tombstone was recorded, and the recompute jobs queued to rebuild the aggregates ({@code
   * historyRecompute}: {@code {"from", "jobs"}} or {@code {"from", "error"}}; null when there was nothing to
   * rebuild).
   */
  public record Result(String propertyId, IdKind kind, long rowsErased, int partitions, int firstVisitsDeleted,
                       int reportsDropped, String erasedAt, JsonObject historyRecompute) {
    public JsonObject toJson() {
      return new JsonObject().put("propertyId", propertyId).put("idKind", kind.field()).put("rowsErased", rowsErased)
          .put("partitions", partitions).put("firstVisitsDeleted", firstVisitsDeleted)
          .put("reportsDropped", reportsDropped).put("erasedAt", erasedAt).put("historyRecompute", historyRecompute);
    }

    public static Result fromJson(JsonObject json) {
      return new Result(json.getString("propertyId"), IdKind.valueOf(json.getString("idKind").equals("userId")
          ? "USER_ID" : "CLIENT_ID"), json.getLong("rowsErased", 0L), json.getInteger("partitions", 0),
          json.getInteger("firstVisitsDeleted", 0), json.getInteger("reportsDropped", 0), json.getString("erasedAt"),
          json.getJsonObject("historyRecompute"));
    }
  }
}
