package io.beacon.recompute;

import io.beacon.contract.JobStatus;
import io.beacon.infra.config.RecomputeConfig;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.CardinalityCap;
import io.beacon.model.aggregation.MetricState;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.apache.ignite.IgniteCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs correction jobs, one at a time per instance: polls the open jobs, claims a due one (or one whose runner
 * died: its lease expired), and rebuilds its days in order. Each day's raw hits, with their session scope
 * ({@link ScopedRead}), go through the shared {@link Aggregator}, exactly as the stream counts them, and every bucket of the day (hours and the day, totals
 * and each dimension) is written through the aggregate cache, replacing the stream's row; the day's stored rows the
 * rebuild did not produce are deleted ({@link StaleRows}). Each dimension keeps at most
 * {@code recompute.maxValuesPerDimension} values a day, the rest folded into "(other)" ({@link CardinalityCap},
 * decided on the whole day), so the stream's provisional rows of a capped day are replaced or deleted. Progress is recorded
 * after each day under the runner's lease, so a job resumes at its first unfinished day after a crash, and
 * rewriting a day twice writes the same values (idempotent).
 */
final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  private static final long POLL_MS = 2_000;
  private static final int PUT_CHUNK = 1_000;

  private final Vertx vertx;
  private final RecomputeConfig config;
  private final Jobs jobs;
  private final ScopedRead scoped;
  private final IgniteCache<String, AggregateEntry> aggregates;
  private final StaleRows stale;
  private final MeterRegistry meters;
  private final String owner;
  private long timer = -1;
  private boolean busy;
  private volatile boolean stopped;

  JobRunner(Vertx vertx, RecomputeConfig config, Jobs jobs, ScopedRead scoped, IgniteCache<String, AggregateEntry> aggregates,
            StaleRows stale, MeterRegistry meters, String owner) {
    this.vertx = vertx;
    this.config = config;
    this.jobs = jobs;
    this.scoped = scoped;
    this.aggregates = aggregates;
    this.stale = stale;
    this.meters = meters;
    this.owner = owner;
  }

  void start() {
    timer = vertx.setPeriodic(POLL_MS, t -> poll());
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  /** Looks for a job to run now (also called right after a job is created here). */
  void poll() {
    if (busy || stopped) {
      return;
    }
    busy = true;
    Instant now = Instant.now();
    jobs.open()
        .compose(open -> {
          Job due = open.stream().filter(j -> j.claimable(now)).findFirst().orElse(null);
          if (due == null) {
            return Future.succeededFuture();
          }
          return jobs.claim(due, owner, lease()).compose(won -> won ? run(due, due.leaseVersion() + 1)
              : Future.succeededFuture());
        })
        .onFailure(e -> {
          if (!stopped) {
            LOG.warn("Recompute job poll failed (retrying in {} ms): {}", POLL_MS, e.toString());
          }
        })
        .onComplete(ar -> busy = false);
  }

  private Instant lease() {
    return Instant.now().plusMillis(config.jobLeaseMs());
  }

  private Future<Void> run(Job job, int lease) {
    LOG.info("Recompute job {} (property {}, {}..{}, {}) runs on {} from day {}/{}", job.id(), job.propertyId(),
        job.from(), job.to(), job.reason(), owner, job.daysDone(), job.daysTotal());
    Promise<Void> done = Promise.promise();
    State state = new State(job, lease);
    // Renews the lease while a long day streams, and notices a cancel request meanwhile.
    long renew = vertx.setPeriodic(Math.max(500, config.jobLeaseMs() / 3), t ->
        jobs.progress(job.id(), lease, state.daysDone, state.hits, lease()).onSuccess(f -> state.fence = f));
    nextDay(state, done);
    return done.future().onComplete(ar -> vertx.cancelTimer(renew));
  }

  private static final class State {
    final Job job;
    final int lease;
    int daysDone;
    long hits;
    volatile Jobs.Fence fence = Jobs.Fence.APPLIED;

    State(Job job, int lease) {
      this.job = job;
      this.lease = lease;
      this.daysDone = job.daysDone();
      this.hits = job.hitsScanned();
    }
  }

  private void nextDay(State s, Promise<Void> done) {
    Job job = s.job;
    if (s.fence != Jobs.Fence.APPLIED || stopped) {
      end(s, done, null);
      return;
    }
    if (s.daysDone >= job.daysTotal()) {
      jobs.finish(job.id(), s.lease, JobStatus.DONE, null).onComplete(ar -> {
        meters.counter("beacon_recompute_jobs_total", "status", JobStatus.DONE.wire()).increment();
        LOG.info("Recompute job {} done: {} days, {} raw hits", job.id(), job.daysTotal(), s.hits);
        done.complete();
      });
      return;
    }
    LocalDate day = job.from().plusDays(s.daysDone);
    rebuildDay(s, day)
        .compose(hits -> {
          s.daysDone++;
          s.hits += hits;
          meters.counter("beacon_recompute_days_total").increment();
          return jobs.progress(job.id(), s.lease, s.daysDone, s.hits, lease());
        })
        .onSuccess(fence -> {
          s.fence = fence;
          nextDay(s, done);
        })
        .onFailure(e -> end(s, done, e));
  }

  /** Stops the job: cancelled, lost to another runner, stopped with the node, or failed. */
  private void end(State s, Promise<Void> done, Throwable error) {
    Job job = s.job;
    if (s.fence == Jobs.Fence.CANCELLED || error instanceof CancellationException) {
      jobs.finish(job.id(), s.lease, JobStatus.CANCELLED, null).onComplete(ar -> done.complete());
      meters.counter("beacon_recompute_jobs_total", "status", JobStatus.CANCELLED.wire()).increment();
      LOG.info("Recompute job {} cancelled after {} of {} days", job.id(), s.daysDone, job.daysTotal());
    } else if (error != null && !stopped) {
      // A store failed: leave the job claimable; its lease expires and a runner retries from the last day done.
      LOG.warn("Recompute job {} (property {}) stopped at day {} of {}: {}; it resumes when its lease expires",
          job.id(), job.propertyId(), s.daysDone, job.daysTotal(), error.toString());
      done.complete();
    } else {
      LOG.info("Recompute job {} left at day {} of {} ({})", job.id(), s.daysDone, job.daysTotal(),
          stopped ? "node stopping" : "another runner took it over");
      done.complete();
    }
  }

  /** Rebuilds one local day; completes with the raw hits read. */
  private Future<Long> rebuildDay(State s, LocalDate day) {
    Job job = s.job;
    ZoneId zone = job.zone();
    Aggregator agg = new Aggregator(p -> zone);
    Instant from = day.atStartOfDay(zone).toInstant();
    Instant to = day.plusDays(1).atStartOfDay(zone).toInstant();
    long startNanos = System.nanoTime();
    RawHits.Pacer pacer = rows -> {
      if (s.fence != Jobs.Fence.APPLIED || stopped) {
        throw new CancellationException("job " + job.id() + " cancelled or taken over");
      }
      if (config.maxHitsPerSecond() <= 0 || rows % 100 != 0) {
        return 0;
      }
      long dueMs = rows * 1000 / config.maxHitsPerSecond();
      long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
      return Math.max(0, dueMs - elapsedMs);
    };
    return scoped.settingsNow(job.propertyId())
        .compose(settings -> scoped.stream(job.propertyId(), settings,
            java.util.List.<Instant[]>of(new Instant[] {from, to}), RawHits.PRECOMPUTED_COLUMNS, pacer, agg::add))
        .compose(rows -> {
          Map<BucketKey, MetricState> buckets = capped(agg, zone);
          return write(job, buckets, rows).compose(r -> dropStale(job, day, buckets).map(r));
        });
  }

  /** The day's buckets with each dimension's values past the cap folded into "(other)" (the whole day decides). */
  private Map<BucketKey, MetricState> capped(Aggregator agg, ZoneId zone) {
    CardinalityCap.Result result = CardinalityCap.fold(agg.buckets(), config.maxValuesPerDimension(), p -> zone);
    if (!result.folded().isEmpty()) {
      meters.counter("beacon_recompute_folded_days_total").increment(result.folded().size());
    }
    return result.buckets();
  }

  /** Deletes the day's stored rows the rebuild did not produce (through the cache, which deletes through). */
  private Future<Void> dropStale(Job job, LocalDate day, Map<BucketKey, MetricState> buckets) {
    return stale.of(job.propertyId(), day, job.zone(), buckets.keySet())
        .compose(keys -> {
          if (keys.isEmpty()) {
            return Future.succeededFuture();
          }
          LOG.info("Recompute job {} (property {}): {} rows of {} no hit counts in any more, deleted", job.id(),
              job.propertyId(), keys.size(), day);
          java.util.Set<String> cacheKeys = new java.util.HashSet<>();
          keys.forEach(k -> cacheKeys.add(AggregateEntry.key(k)));
          return vertx.executeBlocking(() -> {
            aggregates.removeAll(cacheKeys);
            return null;
          }, false);
        });
  }

  /** Writes a rebuilt day's buckets, in chunks; completes with the raw rows the day's read took. */
  private Future<Long> write(Job job, Map<BucketKey, MetricState> buckets, long rows) {
    meters.counter("beacon_recompute_hits_scanned_total", "kind", "correction").increment(rows);
    String writer = "recompute:" + job.id();
    Map<String, AggregateEntry> chunk = new HashMap<>();
    Future<Void> writes = Future.succeededFuture();
    for (Map.Entry<BucketKey, MetricState> e : buckets.entrySet()) {
      chunk.put(AggregateEntry.key(e.getKey()), AggregateEntry.of(e.getKey(), e.getValue(), writer));
      if (chunk.size() >= PUT_CHUNK) {
        writes = writes.compose(put(chunk));
        chunk = new HashMap<>();
      }
    }
    return writes.compose(put(chunk)).map(rows);
  }

  /** Write-through: returns once Cassandra has every row of the chunk. */
  private java.util.function.Function<Void, Future<Void>> put(Map<String, AggregateEntry> chunk) {
    return v -> chunk.isEmpty() ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      aggregates.putAll(chunk);
      return null;
    }, false);
  }
}
