package io.beacon.model.session;

/**
 * What is known of a client from before the events at hand: the time of its first event ever for the property
 * and the attribution of the session that held it. {@link #NONE}: nothing (a new client, as far as is known).
 *
 * @param firstTs event time of the client's first event (epoch ms), or {@link Long#MAX_VALUE} if unknown
 * @param firstRid that event's request id, when known: a first visit recorded from raw hits the stream has not
 *     seen yet (recompute reads ahead of it) is that very event when it arrives, not history from before
 */
public record ClientHistory(long firstTs, String firstSource, String firstMedium, String firstCampaign,
    String firstRid) {
  public static final ClientHistory NONE = new ClientHistory(Long.MAX_VALUE, null, null, null, null);

  /** A first visit whose event is not known. */
  public ClientHistory(long firstTs, String firstSource, String firstMedium, String firstCampaign) {
    this(firstTs, firstSource, firstMedium, firstCampaign, null);
  }

  public boolean known() {
    return firstTs != Long.MAX_VALUE;
  }
}
