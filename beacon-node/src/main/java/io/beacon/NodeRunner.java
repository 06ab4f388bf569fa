package io.beacon;

import io.beacon.infra.config.BeaconConfig;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a node in this JVM and waits until it is up or has failed: what {@code beacon run} does, and what the
 * dev stack's {@code beacon up} does after starting its servers. The node's stop is handed to the caller, which
 * decides when it runs (a shutdown hook of its own, or before the servers the node uses stop).
 */
public final class NodeRunner {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);
  /** A node cut off from its cluster leaves it with this exit code; its supervisor should restart it. */
  public static final int EXIT_SEGMENTED = 75;

  private NodeRunner() {
  }

  /**
   * Starts the node and blocks until it is up.
   *
   * @param registerStop receives the node's stop action (blocking, at most ~20 s) to run at shutdown
   * @return whether the node started (the failure is logged)
   */
  public static boolean startAndAwait(BeaconConfig config, Consumer<Runnable> registerStop) {
    return startAndAwait(config, registerStop, true);
  }

  /** As {@link #startAndAwait(BeaconConfig, Consumer)}; {@code printBanner} false leaves {@link #banner} to the caller. */
  public static boolean startAndAwait(BeaconConfig config, Consumer<Runnable> registerStop, boolean printBanner) {
    CountDownLatch started = new CountDownLatch(1);
    BeaconNode[] holder = new BeaconNode[1];
    Runnable onSegmented = () -> new Thread(() -> System.exit(EXIT_SEGMENTED), "beacon-segmented-exit").start();
    BeaconNode.start(config, onSegmented).onComplete(ar -> {
      if (ar.succeeded()) {
        holder[0] = ar.result();
      } else {
        LOG.error("Node {} failed to start: {}", config.node().name(), ar.cause().toString(), ar.cause());
      }
      started.countDown();
    });
    registerStop.accept(() -> {
      if (holder[0] != null) {
        LOG.info("Stopping node {}", config.node().name());
        try {
          holder[0].close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.warn("Node {} did not stop cleanly: {}", config.node().name(), e.toString());
        }
      }
    });
    try {
      started.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (holder[0] == null) {
      return false;
    }
    if (printBanner) {
      System.out.print(banner(config));
    }
    return true;
  }

  /** What a started node prints: where its dashboard, collector and readiness are, and how the first login goes. */
  public static String banner(BeaconConfig config) {
    var http = config.http();
    StringBuilder out = new StringBuilder(String.format(
        "%nBeacon node %s is up.%n  dashboard:  http://%s:%d/%n  collector:  http://%s:%d/%n"
            + "  management: http://%s:%d/ready%n  tracking snippet: <script defer src=\"http://%s:%d/beacon.js\" data-property=\"YOUR-PROPERTY-ID\"></script>%n%n",
        config.node().name(), display(http.query().host()), http.query().port(),
        display(http.collector().host()), http.collector().port(),
        display(http.management().host()), http.management().port(),
        display(http.collector().host()), http.collector().port()));
    java.nio.file.Path adminPassword = java.nio.file.Path.of(config.query().adminPasswordFile()).toAbsolutePath();
    if (java.nio.file.Files.isRegularFile(adminPassword)) {
      // Not the email itself: this output is the log of a container.
      // Not the password (the setup link's code) either: only where it is.
      out.append(String.format("  first login: open http://%s:%d/dashboard/#setup=CODE, CODE being the one-time password in%n"
          + "    %s (the page then asks for a password of your own; or log in as query.adminEmail with it)%n%n",
          display(http.query().host()), http.query().port(), adminPassword));
    }
    return out.toString();
  }

  private static String display(String host) {
    return host.equals("0.0.0.0") ? "localhost" : host;
  }
}
