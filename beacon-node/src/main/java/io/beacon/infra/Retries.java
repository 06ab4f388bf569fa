package io.beacon.infra;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The node's one retry policy (Failsafe): exponential backoff between a floor and a ceiling, for transient
 * failures only (the caller says which). Runs Vert.x operations: every attempt starts on the caller's context, so
 * a retried operation behaves as the first one did; only the waits happen off it.
 */
public final class Retries {
  private Retries() {
  }

  /** Exponential backoff from {@code min} doubling to {@code max}, retrying failures of {@code transient}. */
  public static <T> RetryPolicyBuilder<T> backoff(Duration min, Duration max, Class<? extends Throwable> transientFailure) {
    return RetryPolicy.<T>builder().handle(transientFailure).withBackoff(min, max);
  }

  /** Exponential backoff from {@code min} doubling to {@code max}, retrying the failures {@code transientFailure} accepts. */
  public static <T> RetryPolicyBuilder<T> backoffIf(Duration min, Duration max,
                                                   java.util.function.Predicate<Throwable> transientFailure) {
    return RetryPolicy.<T>builder().handleIf((result, failure) -> failure != null && transientFailure.test(failure))
        .withBackoff(min, max);
  }

  /** Runs {@code operation} under {@code policy}, each attempt on the calling context; completes on it too. */
  public static <T> Future<T> run(Vertx vertx, RetryPolicy<T> policy, Supplier<Future<T>> operation) {
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(Failsafe.with(policy).getStageAsync(() -> {
      CompletableFuture<T> attempt = new CompletableFuture<>();
      context.runOnContext(v -> operation.get().onComplete(attempt::complete, attempt::completeExceptionally));
      return attempt;
    }), context);
  }
}
