package io.beacon.bridge;

/** QuestDB refused the content of a write (HTTP 400-class): retrying the same lines cannot succeed. */
public final class WriteRejectedException extends RuntimeException {
  public WriteRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
