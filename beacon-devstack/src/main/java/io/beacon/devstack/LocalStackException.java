package io.beacon.devstack;

/** A server of the local stack could not be resolved, started, made ready or stopped. */
public class LocalStackException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public LocalStackException(String message) {
    super(message);
  }

  public LocalStackException(String message, Throwable cause) {
    super(message, cause);
  }
}
