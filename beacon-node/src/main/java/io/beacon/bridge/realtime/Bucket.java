package io.beacon.bridge.realtime;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Real-time counts of one property, one minute, one Kafka partition: the unit that is written to
 * Ignite (as JSON) and merged on read. Mergeable by construction: client-id sets union, counts add.
 * A JavaBean (not a record) so Jackson reads it back and nothing Ignite-specific is needed.
 *
 * <p>The rules are runReport's: a bot hit ({@code is_bot}) counts in no metric and no dimension, only in
 * {@link #bots}; copies of a hit (same ts, client and request id: the raw store's key within a property) count once.
 * Unknown fields are ignored on read, so a bucket written by a newer node still reads.
 *
 * <p>Bounded whatever is sent (issue 19: the bucket is re-encoded at every flush while it changes): at most {@link
 * #MAX_CLIENTS} client ids are kept, a client beyond them still counts in events, page views and pages but not in the
 * active users, which are then a lower bound ({@link #untrackedHits} says so); at most {@link #MAX_VALUES} distinct
 * values per top list (pages, sources, countries, device categories), later values counted under {@link #OTHER}, as
 * GA4's "(other)" row.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Bucket {
  /** Client ids one bucket (property, minute, partition) keeps. */
  public static final int MAX_CLIENTS = 10_000;
  /** Distinct values one top list of one bucket keeps; the rest count as {@link #OTHER}. */
  public static final int MAX_VALUES = 500;
  public static final String OTHER = "(other)";

  /** Distinct client ids seen in this minute. */
  public Set<String> clients = new HashSet<>();
  public long pageViews;
  public long events;
  /** page_path -> page views. */
  public Map<String, Long> pages = new HashMap<>();
  /** source / country / device category -> distinct client ids ("active users by ..."). */
  public Map<String, Set<String>> sources = new HashMap<>();
  public Map<String, Set<String>> countries = new HashMap<>();
  public Map<String, Set<String>> devices = new HashMap<>();
  /**
   * Bot hits of the minute, counted apart as the aggregates' {@code botHits} are. Left out of the JSON while 0, so
   * buckets without bots stay readable by nodes that predate the field.
   */
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public long bots;
  /** Hits of clients beyond {@link #MAX_CLIENTS} (not in the active users); left out of the JSON while 0. */
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public long untrackedHits;

  /**
   * Hashes of (ts, client id, request id) already counted: a hit retried by its sender is counted once, like the raw
   * table's DEDUP key (the property is the bucket's); two clients' hits that happen to share a request id are two.
   * Local to the owning consumer; rebuilt by replay, never stored.
   */
  @JsonIgnore
  transient Set<Long> seen = new HashSet<>();

  /**
   * Adds a hit unless its (ts, client id, request id) was already counted; returns whether it was new. A bot hit
   * only counts in {@link #bots}.
   */
  boolean add(long ts, String requestId, String clientId, boolean bot, String eventName, String pagePath,
              String source, String country, String device) {
    if (!seen.add(ts * 31 + hash64(clientId, requestId))) {
      return false;
    }
    if (bot) {
      bots++;
      return true;
    }
    events++;
    if ("page_view".equals(eventName)) {
      pageViews++;
      pages.merge(capped(pages, orNotSet(pagePath)), 1L, Long::sum);
    }
    if (!clients.contains(clientId) && clients.size() >= MAX_CLIENTS) {
      untrackedHits++;
      return true;
    }
    clients.add(clientId);
    sources.computeIfAbsent(capped(sources, orNotSet(source)), k -> new HashSet<>()).add(clientId);
    countries.computeIfAbsent(capped(countries, orNotSet(country)), k -> new HashSet<>()).add(clientId);
    devices.computeIfAbsent(capped(devices, orNotSet(device)), k -> new HashSet<>()).add(clientId);
    return true;
  }

  /** The value itself while the list has room for it (or holds it), else {@link #OTHER}. */
  private static String capped(Map<String, ?> list, String value) {
    return list.containsKey(value) || list.size() < MAX_VALUES ? value : OTHER;
  }

  static String orNotSet(String v) {
    return v == null || v.isEmpty() ? "(not set)" : v;
  }

  // 64-bit FNV-1a of both ids (a Unicode noncharacter between them): Long-sized dedup entries instead of the strings.
  private static long hash64(String clientId, String requestId) {
    long h = 0xcbf29ce484222325L;
    String s = clientId + '\uffff' + requestId;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
