package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * The real-time conversations between the bridge (which holds the state) and whoever shows it: published
 * updates of one property, and a snapshot on request. Both carry a {@link RealtimeSnapshot}.
 */
public final class RealtimeContract {
  private RealtimeContract() {}

  /**
   * Published, one address per property ({@code beacon.realtime.<propertyId>}): the bridge publishes a property's
   * snapshot at most once per {@code bridge.realtimePublishMs} cluster-wide whenever its numbers changed, with
   * {@link RealtimeSnapshot#publishedAt()} set. Subscribe to push them to open dashboards.
   */
  public static final Broadcast<RealtimeSnapshot> UPDATES = new Broadcast<>(p -> "beacon.realtime." + p,
      RealtimeSnapshot::propertyId, RealtimeSnapshot::toJson, RealtimeSnapshot::fromJson);

  /**
   * Request/reply ({@code beacon.realtime.snapshot}): a property's current snapshot; any bridge instance of the
   * cluster answers. Fails with 400 without a property id, 500 if the state could not be read (plain messages).
   */
  public static final RequestReply<SnapshotRequest, RealtimeSnapshot> SNAPSHOT = new RequestReply<>(
      "beacon.realtime.snapshot", SnapshotRequest::toJson, SnapshotRequest::fromJson, RealtimeSnapshot::toJson,
      RealtimeSnapshot::fromJson, FailureForm.PLAIN);

  /** The snapshot request ({@code {"propertyId"}}). */
  public record SnapshotRequest(String propertyId) {
    JsonObject toJson() {
      return new JsonObject().put("propertyId", propertyId);
    }

    static SnapshotRequest fromJson(JsonObject json) {
      Object p = json.getValue("propertyId");
      if (!(p instanceof String s) || s.isBlank()) {
        throw new BusFailure(400, "propertyId", "propertyId is required");
      }
      return new SnapshotRequest(s);
    }
  }
}
