package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * Request/reply, right to erasure ({@code beacon.bridge.erasure}): a bridge instance deletes every raw hit of one
 * client id from QuestDB (nothing else) and replies how many rows and day partitions it rewrote. Raw writes pause
 * cluster-wide meanwhile; one erasure runs at a time (a concurrent request fails with 500, retry it). Allow a
 * generous send timeout. Failures: 400 without a client id, 500 otherwise (plain messages).
 */
public final class RawErasureContract {
  private RawErasureContract() {}

  public static final RequestReply<Request, Result> CONTRACT = new RequestReply<>("beacon.bridge.erasure",
      Request::toJson, Request::fromJson, Result::toJson, Result::fromJson, FailureForm.PLAIN);

  /** Erase the raw hits of {@code clientId} ({@code {"clientId"}}). */
  public record Request(String clientId) {
    JsonObject toJson() {
      return new JsonObject().put("clientId", clientId);
    }

    static Request fromJson(JsonObject json) {
      Object c = json.getValue("clientId");
      if (!(c instanceof String s) || s.isEmpty()) {
        throw new BusFailure(400, "clientId", "clientId is required");
      }
      return new Request(s);
    }
  }

  /** What was erased ({@code {"clientId", "rowsErased", "partitions"}}). */
  public record Result(String clientId, long rowsErased, int partitions) {
    public JsonObject toJson() {
      return new JsonObject().put("clientId", clientId).put("rowsErased", rowsErased).put("partitions", partitions);
    }

    public static Result fromJson(JsonObject json) {
      return new Result(json.getString("clientId"), json.getLong("rowsErased", 0L), json.getInteger("partitions", 0));
    }
  }
}
