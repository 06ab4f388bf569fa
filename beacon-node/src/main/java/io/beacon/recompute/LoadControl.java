package io.beacon.recompute;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Bounds the recomputations of one verticle instance: at most {@code maxRunning} at once, at most
 * {@code maxPerProperty} of them for one property, at most {@code maxQueued} waiting (first come, first served,
 * skipping a property at its limit); beyond that a request is refused with {@link Overloaded}. Identical
 * requests (same key) running or queued at the same time share one computation. Not thread-safe: use it from
 * its verticle's context only.
 */
final class LoadControl {
  /** Refusal: the queue is full. The caller answers 429 with Retry-After. */
  static final class Overloaded extends RuntimeException {
    Overloaded(String message) {
      super(message, null, false, false);
    }
  }

  private record Task(String property, String key, Supplier<Future<Object>> work, Promise<Object> result) {}

  private final int maxRunning;
  private final int maxPerProperty;
  private final int maxQueued;
  private final ArrayDeque<Task> queue = new ArrayDeque<>();
  private final Map<String, Future<Object>> byKey = new HashMap<>();
  private final Map<String, Integer> runningByProperty = new HashMap<>();
  private int running;
  private boolean draining;

  LoadControl(int maxRunning, int maxPerProperty, int maxQueued) {
    this.maxRunning = maxRunning;
    this.maxPerProperty = maxPerProperty;
    this.maxQueued = maxQueued;
  }

  /** Runs {@code work} when there is room, or joins the identical computation already running or queued. */
  @SuppressWarnings("unchecked")
  <T> Future<T> submit(String property, String key, Supplier<Future<T>> work) {
    Future<Object> same = byKey.get(key);
    if (same != null) {
      return (Future<T>) same;
    }
    if (queue.size() >= maxQueued && !canStart(property)) {
      return Future.failedFuture(new Overloaded("too many recomputations in progress (" + running + " running, "
          + queue.size() + " queued); retry later"));
    }
    Task task = new Task(property, key, () -> (Future<Object>) work.get(), Promise.promise());
    byKey.put(key, task.result().future());
    queue.add(task);
    drain();
    return (Future<T>) task.result().future();
  }

  int running() {
    return running;
  }

  int queued() {
    return queue.size();
  }

  private boolean canStart(String property) {
    return running < maxRunning && runningByProperty.getOrDefault(property, 0) < maxPerProperty;
  }

  private void drain() {
    if (draining) {
      return; // a computation that completed at once re-enters here; the outer loop goes on
    }
    draining = true;
    try {
      Task next;
      while ((next = nextStartable()) != null) {
        start(next);
      }
    } finally {
      draining = false;
    }
  }

  private Task nextStartable() {
    if (running >= maxRunning) {
      return null;
    }
    for (Iterator<Task> it = queue.iterator(); it.hasNext(); ) {
      Task t = it.next();
      if (canStart(t.property())) {
        it.remove();
        return t;
      }
    }
    return null;
  }

  private void start(Task t) {
    running++;
    runningByProperty.merge(t.property(), 1, Integer::sum);
    Future<Object> f;
    try {
      f = t.work().get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      running--;
      runningByProperty.computeIfPresent(t.property(), (p, n) -> n == 1 ? null : n - 1);
      byKey.remove(t.key());
      t.result().handle(ar);
      drain();
    });
  }
}
