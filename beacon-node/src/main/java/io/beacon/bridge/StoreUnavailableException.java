package io.beacon.bridge;

/** A transient write failure (QuestDB down, timeout, 5xx): the same batch must be retried, never skipped. */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
