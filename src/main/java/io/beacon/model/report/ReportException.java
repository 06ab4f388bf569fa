package io.beacon.model.report;

/**
 * A report request that cannot be answered, with the HTTP status to answer and the request field
 * it concerns (e.g. {@code dateRanges[0].startDate}), so a client can point at its mistake.
 */
public final class ReportException extends RuntimeException {
  private final int status;
  private final String field;

  public ReportException(int status, String field, String message) {
    super(message);
    this.status = status;
    this.field = field;
  }

  public static ReportException badRequest(String field, String message) {
    return new ReportException(400, field, field + ": " + message);
  }

  public int status() {
    return status;
  }

  public String field() {
    return field;
  }
}
