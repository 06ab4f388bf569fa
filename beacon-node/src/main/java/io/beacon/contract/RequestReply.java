package io.beacon.contract;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One request/reply conversation of the event bus: its address, and how each side's typed message goes on the
 * wire. The wire form is JSON ({@link JsonObject}, whose codec every Vert.x node has built in), so messages
 * cross the Ignite-clustered event bus with nothing to register, and a node of the previous version reads them;
 * the records convert at both ends. Failures travel with the HTTP status as their failure code
 * ({@link BusFailure}).
 *
 * @param <Q> the request
 * @param <R> the reply
 */
public final class RequestReply<Q, R> {
  private final String address;
  private final Function<Q, JsonObject> requestToJson;
  private final Function<JsonObject, Q> requestFromJson;
  private final Function<R, JsonObject> replyToJson;
  private final Function<JsonObject, R> replyFromJson;
  private final FailureForm failures;

  RequestReply(String address, Function<Q, JsonObject> requestToJson, Function<JsonObject, Q> requestFromJson,
               Function<R, JsonObject> replyToJson, Function<JsonObject, R> replyFromJson, FailureForm failures) {
    this.address = address;
    this.requestToJson = requestToJson;
    this.requestFromJson = requestFromJson;
    this.replyToJson = replyToJson;
    this.replyFromJson = replyFromJson;
    this.failures = failures;
  }

  public String address() {
    return address;
  }

  /**
   * Sends a request to one consumer of the address. Completes with its reply, or fails with the
   * {@link BusFailure} it answered; no consumer, or no answer within the options' send timeout, fails with
   * the event bus's {@link io.vertx.core.eventbus.ReplyException}.
   */
  public Future<R> request(Vertx vertx, Q request, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(address, requestToJson.apply(request), options)
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(replyFromJson.apply(ar.result().body()))
            : Future.failedFuture(failures.received(ar.cause())));
  }

  /** {@link #request(Vertx, Object, DeliveryOptions)} with the default delivery options. */
  public Future<R> request(Vertx vertx, Q request) {
    return request(vertx, request, new DeliveryOptions());
  }

  /**
   * Answers the address: each request is read (one that breaks the contract fails with its 400), handed to
   * {@code handler}, and its result replied; a failed result replies its {@link BusFailure} (any other
   * exception: 500 with its message). Use the consumer's {@code completion()} to know when it is registered
   * cluster-wide, {@code unregister()} to stop.
   */
  public MessageConsumer<JsonObject> serve(Vertx vertx, Function<Q, Future<R>> handler) {
    return vertx.eventBus().consumer(address, msg -> answer(msg, () -> handler.apply(read(msg)).map(replyToJson)));
  }

  private Q read(Message<JsonObject> msg) {
    try {
      return requestFromJson.apply(msg.body() == null ? new JsonObject() : msg.body());
    } catch (BusFailure e) {
      throw e;
    } catch (RuntimeException e) {
      throw new BusFailure(400, "", "malformed request on " + address + ": " + e.getMessage());
    }
  }

  private void answer(Message<JsonObject> msg, Supplier<Future<JsonObject>> work) {
    answer(msg, work, failures);
  }

  /** Runs {@code work} and replies its outcome, failures in {@code form}; shared by the contracts' consumers. */
  static void answer(Message<?> msg, Supplier<Future<JsonObject>> work, FailureForm form) {
    Future<JsonObject> result;
    try {
      result = work.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        form.fail(msg, ar.cause());
      }
    });
  }
}
