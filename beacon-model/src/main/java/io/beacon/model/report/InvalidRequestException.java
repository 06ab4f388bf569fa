package io.beacon.model.report;

/**
 * A report request that breaks a rule of the request model, naming the field it concerns (e.g.
 * {@code dateRanges[0].startDate}) so a client can point at its mistake. How it is answered (a 400 over HTTP,
 * an error reply on the event bus) is the serving side's business.
 */
public final class InvalidRequestException extends RuntimeException {
  private final String field;

  private InvalidRequestException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** A problem with {@code field}; the message reads "{@code field}: {@code problem}". */
  public static InvalidRequestException of(String field, String problem) {
    return new InvalidRequestException(field, field + ": " + problem);
  }

  public String field() {
    return field;
  }
}
