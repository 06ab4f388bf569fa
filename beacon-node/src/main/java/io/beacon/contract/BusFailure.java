package io.beacon.contract;

/**
 * The failure side of a request/reply contract: the HTTP status to answer (the event bus's
 * {@code failureCode()}), the request field it concerns ({@code ""} if none) and a message for people. A
 * consumer fails a request with one (a request it cannot read gets one from the contract itself, 400); the
 * sender's {@code request} fails with the one the consumer replied. Timeouts and a missing consumer stay
 * {@link io.vertx.core.eventbus.ReplyException}s.
 */
public final class BusFailure extends RuntimeException {
  private final int status;
  private final String field;

  public BusFailure(int status, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.field = field == null ? "" : field;
  }

  /** A 400 about {@code field}; the message reads "{@code field}: {@code problem}", as the API's own 400s. */
  public static BusFailure badRequest(String field, String problem) {
    return new BusFailure(400, field, field + ": " + problem);
  }

  public int status() {
    return status;
  }

  public String field() {
    return field;
  }
}
