package io.beacon.infra.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A start-up schema step retries a slow store and gives up at once on what the store refused. */
class StartFailuresTest {

  @Test
  void slowOrAbsentStoresAreTransientRefusalsAreNot() {
    assertThat(StartFailures.isTransient(new VertxException("Timeout waiting for connection"))).isTrue();
    assertThat(StartFailures.isTransient(new CompletionException(
        new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment. Call: listTopics"))))
        .isTrue();
    assertThat(StartFailures.isTransient(new RuntimeException(new ConnectException("Connection refused")))).isTrue();
    // Wrong credentials, missing rights, a bad statement: final, even when wrapped in something slow-looking.
    assertThat(StartFailures.isTransient(new CompletionException(
        new org.apache.kafka.common.errors.SaslAuthenticationException("invalid credentials")))).isFalse();
    RuntimeException wrapped = new RuntimeException(new java.util.concurrent.TimeoutException("slow"));
    wrapped.addSuppressed(new org.apache.kafka.common.errors.TopicAuthorizationException("no ACL"));
    assertThat(StartFailures.isTransient(wrapped)).isFalse();
    assertThat(StartFailures.isTransient(new IllegalStateException("unexpected"))).isFalse();
  }

  @Test
  void aTransientlyFailingStepRunsAgainUntilItSucceeds() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      AtomicInteger attempts = new AtomicInteger();
      Future<Void> done = SchemaManager.retried(vertx, "QuestDB", () -> attempts.incrementAndGet() < 3
          ? Future.failedFuture(new VertxException("Timeout waiting for connection")) : Future.succeededFuture());
      done.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(attempts).hasValue(3);

      AtomicInteger refused = new AtomicInteger();
      Future<Void> failed = SchemaManager.retried(vertx, "Kafka", () -> {
        refused.incrementAndGet();
        return Future.failedFuture(new org.apache.kafka.common.errors.SaslAuthenticationException("invalid credentials"));
      });
      assertThat(failed.toCompletionStage().toCompletableFuture()).failsWithin(30, TimeUnit.SECONDS);
      assertThat(refused).hasValue(1);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
