package io.beacon.collector.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One hit as a protocol parser read it, before property checks and enrichment. Mutable, filled in
 * field by field by the parsers; {@code null} means "not sent". The enricher turns it into the
 * canonical {@link io.beacon.model.Hit}.
 */
public final class HitDraft {
  public Protocol protocol;
  /** A Measurement Protocol hit of an app stream ({@code firebase_app_id} + {@code app_instance_id}). */
  public boolean appStream;
  public String propertyId;
  /** The stream id the sender named, once the property is found by it (io.beacon.model.Hit#streamId). */
  public String streamId;
  public String clientId;
  public String userId;
  public String requestId;
  public String sessionId;
  public Integer sessionNumber;
  /** Event time from the sender (epoch ms), or null: the receive time, less {@link #ageMs}. */
  public Long ts;
  /**
   * How long before its receipt the hit happened, as the sender says (UA {@code qt}), or null (0). The event time
   * is then relative to the receipt: a retry produced again takes the first attempt's receive time less this.
   */
  public Long ageMs;
  public String eventName;
  public final Map<String, String> params = new LinkedHashMap<>();
  public Long engagementMs;
  public Boolean sessionEngaged;
  public Boolean firstVisit;
  public Boolean sessionStart;
  /** UA's {@code ni=1}: not an interaction hit (null: an interaction). */
  public Boolean nonInteraction;
  public String pageLocation;
  /** Hostname sent separately from the page URL (UA's {@code dh}). */
  public String hostname;
  /** Path sent separately from the page URL (UA's {@code dp}). */
  public String pagePath;
  public String pageTitle;
  public String pageReferrer;
  public String screenResolution;
  /** As sent; the enricher lower-cases it ({@code en-US} → {@code en-us}) for every protocol. */
  public String language;
  /** User-Agent sent in the payload (UA's {@code ua}); overrides the request header. */
  public String userAgent;
  /**
   * Client IP sent in the payload (UA's {@code uip}, MP's {@code ip_override}); overrides the connection's address
   * for the geo lookup. Like any client IP it is anonymised before the lookup and never stored or logged.
   */
  public String clientIp;
  /** The device as the sender describes it (MP's {@code device}): wins over the User-Agent, field by field. */
  public SenderDevice device;
  /** Where the sender says the user is (MP's {@code user_location}): replaces the IP lookup. */
  public SenderLocation location;
  /** Campaign fields sent as explicit parameters (UA's cs/cm/cn/ck/cc); override the URL's utm_*. */
  public String source;
  public String medium;
  public String campaign;
  public String term;
  public String content;
  public String gclid;
  /** The request's own bytes for this hit, to derive a request id when the sender gave none. */
  public String payloadForId;
  /** Which hit of the request this is (batches, multi-event bodies): part of a derived request id. */
  public int indexInRequest;
}
