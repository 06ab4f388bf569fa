package io.beacon.bridge;

/**
 * Why the raw consumer sent a record to the dead-letter topic: what went wrong, and the detail (the decoder's
 * or QuestDB's message). {@link #header()} is the value of the record's {@link RawHitsConsumer#H_REASON} header.
 */
public record DeadLetterReason(Kind kind, String detail) {

  /** What went wrong with the record. */
  public enum Kind {
    /** Not a hit: its bytes do not decode into one (the header reads {@code undecodable: <error>}). */
    UNDECODABLE("undecodable: "),
    /** A hit QuestDB refused on its own, isolated from its batch (the header is QuestDB's answer). */
    REFUSED_BY_STORE("");

    private final String headerPrefix;

    Kind(String headerPrefix) {
      this.headerPrefix = headerPrefix;
    }
  }

  public static DeadLetterReason undecodable(String error) {
    return new DeadLetterReason(Kind.UNDECODABLE, error);
  }

  public static DeadLetterReason refused(String storeMessage) {
    return new DeadLetterReason(Kind.REFUSED_BY_STORE, storeMessage);
  }

  /** The reason header's value. */
  public String header() {
    return kind.headerPrefix + detail;
  }

  @Override
  public String toString() {
    return header();
  }
}
