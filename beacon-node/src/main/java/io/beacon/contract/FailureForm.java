package io.beacon.contract;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * How a contract's failures travel on the event bus: always with the status as the failure code; the
 * message is either {@code {"field", "message"}} (JSON) or the message alone.
 */
enum FailureForm {
  /** {@code {"field": ..., "message": ...}}: the recompute role's contracts. */
  FIELD_JSON {
    @Override
    String encode(BusFailure f) {
      return new JsonObject().put("field", f.field()).put("message", f.getMessage()).encode();
    }

    @Override
    BusFailure decode(int status, String message) {
      try {
        JsonObject m = new JsonObject(message);
        return new BusFailure(status, m.getString("field", ""), m.getString("message", ""));
      } catch (DecodeException | ClassCastException | NullPointerException notJson) {
        return new BusFailure(status, "", message);
      }
    }
  },
  /** The message alone: the bridge's contracts. */
  PLAIN {
    @Override
    String encode(BusFailure f) {
      return f.getMessage();
    }

    @Override
    BusFailure decode(int status, String message) {
      return new BusFailure(status, "", message);
    }
  };

  abstract String encode(BusFailure f);

  abstract BusFailure decode(int status, String message);

  /** Fails the request: a {@link BusFailure} as it is, anything else as a 500 with its message. */
  void fail(Message<?> msg, Throwable e) {
    BusFailure f = e instanceof BusFailure b ? b : new BusFailure(500, "", e.getMessage());
    msg.fail(f.status(), encode(f));
  }

  /** What the sender sees: the consumer's failure as a {@link BusFailure}; no consumer or no answer unchanged. */
  Throwable received(Throwable e) {
    if (e instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      return decode(re.failureCode(), re.getMessage());
    }
    return e;
  }
}
