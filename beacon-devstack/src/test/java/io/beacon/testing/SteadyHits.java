package io.beacon.testing;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A steady, paced stream of GA4 web hits ({@code POST /g/collect}) spread over several collector ports, sent the
 * way a Measurement Protocol client sends: every hit carries its own request id ({@code _rid}), and a hit that got
 * no answer (refused, reset, timed out) or a 5xx/429 is sent again with the same id, to the next port, after a
 * short backoff, until a collector acknowledges it (2xx). So every hit sent is in the end acknowledged, and the
 * {@link Ledger} of each property lists exactly the acknowledged request ids, humans and bots apart: what the
 * accounting checks compare the stores with.
 *
 * <p>Hits go to the current {@linkplain #switchTo property}; a retry keeps the property of its first send. One hit
 * in {@code botEvery} carries a crawler's User-Agent (the collector flags it {@code is_bot}). Client ids cycle
 * through a pool large enough to stay far below the per-client rate limit.
 */
public final class SteadyHits implements AutoCloseable {

  private static final String HUMAN_UA =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
  private static final String BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  /** Generous: on the shared 2-core machine at a load average of 20-40, answers took over 5 s. */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);
  private static final int CLIENTS = 400;

  /** What one property's hits came to so far; thread-safe. */
  public static final class Ledger {
    public final Set<String> humans = ConcurrentHashMap.newKeySet();
    public final Set<String> bots = ConcurrentHashMap.newKeySet();
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger outstanding = new AtomicInteger();
    /** Sends that got no 2xx and were repeated, by reason ("timeout", "503", "ConnectException"...). */
    public final Map<String, AtomicLong> retries = new ConcurrentHashMap<>();
    /** Final non-retryable answers (4xx other than 408/429): the payload itself is wrong. Should stay empty. */
    public final Map<String, String> rejected = new ConcurrentHashMap<>();

    public int sent() {
      return sent.get();
    }

    public int outstanding() {
      return outstanding.get();
    }

    public long retryCount() {
      return retries.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public int acknowledged() {
      return humans.size() + bots.size();
    }

    @Override
    public String toString() {
      return "sent " + sent + ", acknowledged " + acknowledged() + ", outstanding " + outstanding + ", retries "
          + retries + ", rejected " + rejected.size() + (rejected.isEmpty() ? "" : " e.g. " + rejected.values().iterator().next());
    }
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "steady-hits");
    t.setDaemon(true);
    return t;
  });
  private final List<IntSupplier> ports;
  private final String runId;
  private final int botEvery;
  private final Map<String, Ledger> ledgers = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  private volatile String property;
  private volatile boolean sending;

  /**
   * @param ports     the collector ports to spread over, read at every send (a restarted node keeps its port)
   * @param runId     makes client and request ids unique to this run
   * @param botEvery  one hit in this many is a bot's
   */
  public SteadyHits(List<IntSupplier> ports, String runId, int botEvery) {
    this.ports = List.copyOf(ports);
    this.runId = runId;
    this.botEvery = botEvery;
  }

  /** Starts sending {@code perSecond} hits a second to {@code firstProperty}. */
  public SteadyHits start(String firstProperty, int perSecond) {
    switchTo(firstProperty);
    sending = true;
    pacer.scheduleAtFixedRate(this::sendNext, 0, 1_000_000L / perSecond, TimeUnit.MICROSECONDS);
    return this;
  }

  /** New hits go to {@code next} from now on; hits of the previous property still being retried keep theirs. */
  public void switchTo(String next) {
    ledgers.computeIfAbsent(next, p -> new Ledger());
    property = next;
  }

  /** Stops sending new hits (retries of those sent go on). */
  public void stopSending() {
    sending = false;
  }

  public Ledger ledger(String prop) {
    return ledgers.computeIfAbsent(prop, p -> new Ledger());
  }

  /** Hits sent so far, over all properties. */
  public long sent() {
    return seq.get();
  }

  private void sendNext() {
    if (!sending) {
      return;
    }
    long n = seq.incrementAndGet();
    String prop = property;
    Ledger ledger = ledger(prop);
    ledger.sent.incrementAndGet();
    ledger.outstanding.incrementAndGet();
    boolean bot = n % botEvery == 0;
    int client = (int) (n % CLIENTS);
    String query = "v=2&tid=" + prop + "&cid=" + runId + "." + client + "&sid=" + runId + client
        + "&en=" + (n % 5 == 0 ? "scroll" : "page_view") + "&_rid=" + runId + "-" + n
        + "&dl=" + URLEncoder.encode("https://soak.example/page/" + (n % 20), StandardCharsets.UTF_8)
        + "&dt=Soak";
    send(new Pending(prop, ledger, runId + "-" + n, query, bot, (int) (n % ports.size())), 0);
  }

  private record Pending(String property, Ledger ledger, String requestId, String query, boolean bot, int firstPort) {}

  private void send(Pending hit, int attempt) {
    int port = ports.get((hit.firstPort + attempt) % ports.size()).getAsInt();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/g/collect?" + hit.query))
        .timeout(ANSWER_TIMEOUT).header("User-Agent", hit.bot ? BOT_UA : HUMAN_UA)
        .header("Content-Type", "text/plain;charset=UTF-8").POST(HttpRequest.BodyPublishers.noBody()).build();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
      String retryReason;
      if (failure != null) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        retryReason = cause instanceof java.net.http.HttpTimeoutException ? "timeout" : cause.getClass().getSimpleName();
      } else if (response.statusCode() / 100 == 2) {
        (hit.bot ? hit.ledger.bots : hit.ledger.humans).add(hit.requestId);
        hit.ledger.outstanding.decrementAndGet();
        return;
      } else if (response.statusCode() >= 500 || response.statusCode() == 429 || response.statusCode() == 408) {
        retryReason = Integer.toString(response.statusCode());
      } else {
        hit.ledger.rejected.put(hit.requestId, response.statusCode() + " " + response.body());
        hit.ledger.outstanding.decrementAndGet();
        return;
      }
      hit.ledger.retries.computeIfAbsent(retryReason, r -> new AtomicLong()).incrementAndGet();
      // Backoff 100 ms, doubling up to 1 s; the retry goes to the next collector.
      long backoff = Math.min(1_000, 100L << Math.min(attempt, 4));
      try {
        pacer.schedule(() -> send(hit, attempt + 1), backoff, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // closed: the run is over
      }
    });
  }

  @Override
  public void close() {
    sending = false;
    pacer.shutdownNow();
  }
}
