package io.beacon.bridge;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The life cycle the bridge's Kafka consumers share: each runs its poll loop on a thread of its
 * own while {@link #running}, {@link #stop()} wakes a blocked poll, and {@link #done()} completes
 * once the loop has closed its clients.
 */
public abstract class ConsumerLoop implements Runnable {
  protected final CompletableFuture<Void> done = new CompletableFuture<>();
  protected volatile boolean running = true;
  /** Set by the loop while its consumer is open, so {@link #stop()} can wake it. */
  protected volatile KafkaConsumer<byte[], byte[]> consumer;

  /** Completes when the consumer thread has closed its clients. */
  public CompletableFuture<Void> done() {
    return done;
  }

  /** Asks the loop to stop; it finishes (or abandons, uncommitted) the batch at hand and closes. */
  public void stop() {
    running = false;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }
}
