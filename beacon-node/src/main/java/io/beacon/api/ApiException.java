package io.beacon.api;

import io.beacon.model.report.InvalidRequestException;

/**
 * A request the node cannot answer, with the HTTP status to answer and the request field it concerns (e.g.
 * {@code dateRanges[0].startDate}, {@code Authorization}), so a client can point at its mistake. Shared by the
 * roles that answer API calls (query over HTTP, recompute over the event bus, whose replies carry it as a
 * {@link io.beacon.contract.BusFailure}).
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String field;

  public ApiException(int status, String field, String message) {
    super(message);
    this.status = status;
    this.field = field;
  }

  /** A 400 about {@code field}; the message reads "{@code field}: {@code problem}". */
  public static ApiException badRequest(String field, String problem) {
    return new ApiException(400, field, field + ": " + problem);
  }

  /** The model's verdict on a report request, as a 400. */
  public static ApiException of(InvalidRequestException e) {
    return new ApiException(400, e.field(), e.getMessage());
  }

  public int status() {
    return status;
  }

  /**
   * The {@code google.rpc.Code} name Google's APIs answer with this HTTP status (the {@code status} of GA's error
   * body, which Google's client libraries turn into their exception types).
   */
  public static String googleStatus(int httpStatus) {
    return switch (httpStatus) {
      case 400, 413 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 408, 504 -> "DEADLINE_EXCEEDED";
      case 409 -> "ABORTED";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 499 -> "CANCELLED";
      case 501 -> "UNIMPLEMENTED";
      case 503 -> "UNAVAILABLE";
      default -> httpStatus >= 500 ? "INTERNAL" : httpStatus >= 400 ? "FAILED_PRECONDITION" : "OK";
    };
  }

  public String field() {
    return field;
  }
}
