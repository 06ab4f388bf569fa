package io.beacon.model.session;

/**
 * What is known of a client from before the events at hand: the time of its first event ever for the property
 * and the attribution of the session that held it. {@link #NONE}: nothing (a new client, as far as is known).
 *
 * @param firstTs event time of the client's first event (epoch ms), or {@link Long#MAX_VALUE} if unknown
 */
public record ClientHistory(long firstTs, String firstSource, String firstMedium, String firstCampaign) {
  public static final ClientHistory NONE = new ClientHistory(Long.MAX_VALUE, null, null, null);

  public boolean known() {
    return firstTs != Long.MAX_VALUE;
  }
}
