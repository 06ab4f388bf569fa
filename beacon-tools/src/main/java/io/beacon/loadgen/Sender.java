package io.beacon.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends journeys to a collector: {@code concurrency} journeys at a time, each journey's requests one after the
 * other (a client's hits arrive in order, as from one browser or one server-side queue), paced to {@code rate}
 * hits per second (0: as fast as the collector answers). A request is acknowledged by a 2xx without problems;
 * 503, 429 (after Retry-After, at most 10 s), 5xx and connection errors are retried with the very same bytes, so
 * the collector's request-id de-duplication makes a retry count once. Each acknowledged hit goes to the
 * {@link GroundTruth} once, with its event time: the stated one (MP timestamp_micros), else the send time of the
 * attempt that was acknowledged (the collector's receive time, within the request's round trip) less UA's qt.
 *
 * <p>A journey's next request leaves only once the clock has moved past the millisecond its previous one was
 * answered in: the collector then receives it strictly later, so hits dated by their receive time never tie with
 * an earlier request's (which of two tied hits came first would be anybody's guess, the truth's and Beacon's).
 * A request that must carry no User-Agent at all goes over a plain socket ({@link RawHttp}): Java's HTTP client
 * always adds its own.
 *
 * <p>Blocking, on its own threads: a command-line tool, not a verticle.
 */
public final class Sender {

  /**
   * @param collectors base URLs, e.g. http://localhost:8080: journeys take turns, and a retry goes to the next one,
   *     as a load balancer sends a retried request to another backend when one is down
   * @param clientIps send visitors' addresses (X-Forwarded-For, UA uip); the collector must trust this host
   * @param rate hits per second, 0 for no pacing
   * @param concurrency journeys in flight
   * @param giveUpAfter how long one request keeps being retried
   */
  public record Config(List<URI> collectors, boolean clientIps, double rate, int concurrency, Duration giveUpAfter) {
    public Config {
      collectors = List.copyOf(collectors);
      if (collectors.isEmpty()) {
        throw new IllegalArgumentException("no collector");
      }
    }

    public Config(URI collector, boolean clientIps, double rate, int concurrency, Duration giveUpAfter) {
      this(List.of(collector), clientIps, rate, concurrency, giveUpAfter);
    }
  }

  /** What happened: acknowledged hits (duplicates not counted), requests, retries and requests given up. */
  public record Stats(long hits, long requests, long duplicateRequests, long retries, long bots, List<String> failures,
      Duration elapsed) {
    public double hitsPerSecond() {
      return hits * 1000.0 / Math.max(1, elapsed.toMillis());
    }
  }

  private final Config config;
  private final Map<String, String> secrets;
  private final GroundTruth truth;
  private final HttpClient http;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong bots = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Map<PlannedRequest, Boolean> acknowledged = new ConcurrentHashMap<>();
  private final AtomicLong nextSlotNanos = new AtomicLong();

  /** @param secrets each property's Measurement Protocol api_secret */
  public Sender(Config config, Map<String, String> secrets, GroundTruth truth) {
    this.config = config;
    this.secrets = Map.copyOf(secrets);
    this.truth = truth;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** Sends every journey; returns when all are done (acknowledged or given up). */
  public Stats send(List<TrafficPlan.Journey> journeys) throws InterruptedException {
    long start = System.nanoTime();
    nextSlotNanos.set(start);
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, config.concurrency()), r -> {
      Thread t = new Thread(r, "loadgen-sender");
      t.setDaemon(true);
      return t;
    });
    for (int w = 0; w < Math.max(1, config.concurrency()); w++) {
      pool.execute(() -> {
        for (int i = next.getAndIncrement(); i < journeys.size(); i = next.getAndIncrement()) {
          long answered = 0;
          for (PlannedRequest r : journeys.get(i).requests()) {
            if (Thread.currentThread().isInterrupted()) {
              return;
            }
            while (System.currentTimeMillis() <= answered) {
              LockSupport.parkNanos(200_000);
            }
            send(r, i);
            answered = System.currentTimeMillis();
          }
        }
      });
    }
    pool.shutdown();
    try {
      while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        // keep waiting; the caller decides how long a run may take
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      throw e;
    }
    return new Stats(hits.get(), requests.get(), duplicates.get(), retries.get(), bots.get(), List.copyOf(failures),
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Sends one request of journey {@code journey}, to that journey's collector, retries to the next ones. */
  private void send(PlannedRequest r, int journey) {
    pace(r.hits().size());
    PlannedRequest original = r.isDuplicate() ? r.original : r;
    long deadline = System.nanoTime() + config.giveUpAfter().toNanos();
    long backoffMs = 100;
    int partials = 0;
    for (int attempt = 0; ; attempt++) {
      long sentAt = System.currentTimeMillis();
      if (original.encoded == null) {
        original.encoded = Wire.encode(original, sentAt, secrets.get(original.propertyId), config.clientIps());
      }
      Wire.Encoded e = original.encoded;
      String problem;
      long retryAfterMs = -1;
      URI collector = config.collectors().get((journey + attempt) % config.collectors().size());
      try {
        requests.incrementAndGet();
        RawHttp.Response res = e.sendsUserAgent() ? viaClient(collector, e) : RawHttp.post(collector, e);
        int status = res.status();
        if (status == 204 || status == 200 && !res.body().contains("validationMessages")) {
          acknowledge(r, original, e, sentAt);
          return;
        }
        problem = status + " " + res.body();
        boolean retryable = status == 503 || status == 429 || status >= 500 || status == 200 && ++partials <= 3;
        if (!retryable) {
          fail(r, problem);
          return;
        }
        retryAfterMs = res.retryAfterSeconds() * 1000;
      } catch (IOException ex) {
        problem = ex.toString();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        fail(r, "interrupted");
        return;
      }
      if (System.nanoTime() > deadline) {
        fail(r, "gave up after " + (attempt + 1) + " attempts: " + problem);
        return;
      }
      retries.incrementAndGet();
      long waitMs = retryAfterMs >= 0 ? Math.min(10_000, retryAfterMs) : backoffMs;
      backoffMs = Math.min(5_000, backoffMs * 2);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(waitMs));
    }
  }

  private RawHttp.Response viaClient(URI collector, Wire.Encoded e) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(collector.resolve(e.pathAndQuery()))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", e.contentType())
        .POST(HttpRequest.BodyPublishers.ofString(e.body()));
    e.headers().forEach(b::header);
    HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new RawHttp.Response(res.statusCode(), res.body(),
        res.headers().firstValueAsLong("Retry-After").orElse(-1));
  }

  /** Counts the hits of the first acknowledged copy of a request (original or duplicate) into the truth. */
  private void acknowledge(PlannedRequest r, PlannedRequest original, Wire.Encoded e, long sentAt) {
    if (r.isDuplicate()) {
      duplicates.incrementAndGet();
    }
    if (acknowledged.putIfAbsent(original, Boolean.TRUE) != null) {
      return;
    }
    for (int i = 0; i < r.hits().size(); i++) {
      PlannedHit h = r.hits().get(i);
      truth.add(h, e.eventTime(i, sentAt));
      hits.incrementAndGet();
      if (h.bot()) {
        bots.incrementAndGet();
      }
    }
  }

  private void fail(PlannedRequest r, String why) {
    String line = r.protocol() + " request of " + r.hits().size() + " hits for " + r.propertyId + ": " + why;
    failures.add(line.length() > 500 ? line.substring(0, 500) + "..." : line);
  }

  /** Waits for this request's slots at the target rate (a shared schedule: no bursts after a slow answer). */
  private void pace(int hitCount) {
    if (config.rate() <= 0) {
      return;
    }
    long interval = (long) (1e9 / config.rate());
    long slot = nextSlotNanos.getAndUpdate(s -> Math.max(s, System.nanoTime() - interval) + interval * hitCount);
    long wait = slot - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
  }
}
