package io.beacon.model.session;

import io.beacon.model.Hit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Scopes a property's events read in event-time order (recompute's raw read) with bounded memory: each client's
 * events are held until the read has moved {@code idleFlushMs} past the client's last event, then its sessions
 * are formed and scoped ({@link Sessions#scope}) and handed to the sink; a client seen again later starts afresh
 * with what was learnt (its first visit) as history. So a session is whole when no gap inside it exceeds
 * {@code idleFlushMs} (a sender session resumed after a longer pause is split here; the stream keeps it whole:
 * documented in docs/analytics-model.md), and memory holds only the events of clients active in the last
 * {@code idleFlushMs} of the read.
 *
 * <p>Bot hits are passed to the sink with a null scope, right away. Not thread-safe.
 */
public final class OrderedScoper {
  private final SessionRules rules;
  private final long idleFlushMs;
  private final Function<String, ClientHistory> known;
  private final Consumer<Sessions.Scoped> sink;
  /** Client -> its held events; iteration order = order of the clients' last events (re-inserted on each). */
  private final LinkedHashMap<String, List<Hit>> held = new LinkedHashMap<>();
  private final Map<String, Long> lastTs = new HashMap<>();
  /** What flushing taught about a client, for its later events in this read. */
  private final Map<String, ClientHistory> learnt = new HashMap<>();
  private long clock = Long.MIN_VALUE;

  /**
   * @param known what was known of a client before this read (first visit), e.g. from the clients table
   * @param sink receives every event with its scope, client by client (not in global time order)
   */
  public OrderedScoper(SessionRules rules, long idleFlushMs, Function<String, ClientHistory> known,
      Consumer<Sessions.Scoped> sink) {
    this.rules = rules;
    this.idleFlushMs = idleFlushMs;
    this.known = known;
    this.sink = sink;
  }

  /** The next event; event times must not decrease. */
  public void accept(Hit hit) {
    if (hit.ts() < clock) {
      throw new IllegalArgumentException("events must come in event-time order");
    }
    clock = hit.ts();
    if (Boolean.TRUE.equals(hit.isBot())) {
      sink.accept(new Sessions.Scoped(hit, null));
      return;
    }
    flushIdle();
    List<Hit> list = held.remove(hit.clientId());
    if (list == null) {
      list = new ArrayList<>();
    }
    list.add(hit);
    held.put(hit.clientId(), list);
    lastTs.put(hit.clientId(), hit.ts());
  }

  /** Flushes every client still held (end of the read). */
  public void finish() {
    for (Iterator<Map.Entry<String, List<Hit>>> it = held.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, List<Hit>> e = it.next();
      it.remove();
      flush(e.getKey(), e.getValue());
    }
  }

  /**
   * The first visits this read found that are earlier than what {@code known} said (or unknown to it): what the
   * caller records ({@code first_visits}). Complete after {@link #finish()}.
   */
  public Map<String, ClientHistory> discovered() {
    Map<String, ClientHistory> out = new HashMap<>();
    learnt.forEach((client, h) -> {
      ClientHistory before = known.apply(client);
      if (h.known() && (before == null || h.firstTs() < before.firstTs())) {
        out.put(client, h);
      }
    });
    return out;
  }

  /** Clients currently held (for tests and metrics). */
  public int heldClients() {
    return held.size();
  }

  private void flushIdle() {
    for (Iterator<Map.Entry<String, List<Hit>>> it = held.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, List<Hit>> e = it.next();
      if (clock - lastTs.get(e.getKey()) <= idleFlushMs) {
        return; // the rest were seen later still
      }
      it.remove();
      flush(e.getKey(), e.getValue());
    }
  }

  private void flush(String clientId, List<Hit> hits) {
    lastTs.remove(clientId);
    ClientHistory history = learnt.get(clientId);
    if (history == null) {
      history = known.apply(clientId);
      if (history == null) {
        history = ClientHistory.NONE;
      }
    }
    List<Sessions.Scoped> scoped = Sessions.scope(hits, history, rules);
    Hit first = scoped.get(0).hit();
    if (first.ts() < history.firstTs()) {
      history = new ClientHistory(first.ts(), first.source(), first.medium(), first.campaign(),
          first.requestId());
    }
    learnt.put(clientId, history);
    scoped.forEach(sink);
  }
}
