package io.beacon.contract;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * A publish/subscribe conversation of the event bus: one address per key (e.g. per property), every
 * subscriber of the cluster gets each message. JSON on the wire, typed at both ends, as {@link RequestReply}.
 *
 * @param <T> the message
 */
public final class Broadcast<T> {
  private final Function<String, String> address;
  private final Function<T, String> keyOf;
  private final Function<T, JsonObject> toJson;
  private final Function<JsonObject, T> fromJson;

  Broadcast(Function<String, String> address, Function<T, String> keyOf, Function<T, JsonObject> toJson,
            Function<JsonObject, T> fromJson) {
    this.address = address;
    this.keyOf = keyOf;
    this.toJson = toJson;
    this.fromJson = fromJson;
  }

  /** The address of one key's messages. */
  public String address(String key) {
    return address.apply(key);
  }

  /** Publishes the message to every subscriber of its key. */
  public void publish(Vertx vertx, T message) {
    vertx.eventBus().publish(address(keyOf.apply(message)), toJson.apply(message));
  }

  /** Subscribes to one key's messages; {@code completion()} says when it is registered, {@code unregister()} ends it. */
  public MessageConsumer<JsonObject> subscribe(Vertx vertx, String key, Handler<T> handler) {
    return vertx.eventBus().consumer(address(key), msg -> handler.handle(fromJson.apply(msg.body())));
  }
}
