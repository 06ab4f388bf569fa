package io.beacon.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the verticle instances of one node share besides the store clients (e.g. the collector's Kafka hand-off
 * and its spool): created on first use, held by the node context, and closed once, when the node closes, in the
 * reverse order of creation. No static registries: two nodes in one JVM (as in the tests) share nothing.
 */
public final class NodeResources implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeResources.class);
  private final String nodeName;
  private final Map<Class<?>, AutoCloseable> shared = new LinkedHashMap<>();
  private final Map<String, AtomicInteger> instances = new ConcurrentHashMap<>();
  private boolean closed;

  public NodeResources(String nodeName) {
    this.nodeName = nodeName;
  }

  /**
   * The node's one {@code type}, created by {@code create} on first use (blocking: call from a worker).
   *
   * @throws IllegalStateException if the node is closing
   */
  public synchronized <T extends AutoCloseable> T shared(Class<T> type, Callable<T> create) throws Exception {
    if (closed) {
      throw new IllegalStateException("node " + nodeName + " is closing");
    }
    AutoCloseable existing = shared.get(type);
    if (existing != null) {
      return type.cast(existing);
    }
    T created = create.call();
    shared.put(type, created);
    return created;
  }

  /** 1, 2, 3 ... per {@code kind} on this node: tells the instances of a role apart in client ids and threads. */
  public int nextInstance(String kind) {
    return instances.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
  }

  /** Closes everything created, newest first; a failure is logged and the rest still close. Blocking. */
  @Override
  public void close() {
    List<Map.Entry<Class<?>, AutoCloseable>> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(shared.entrySet());
      shared.clear();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).getValue().close();
      } catch (Exception e) {
        LOG.warn("Node {}: closing its {} failed: {}", nodeName, toClose.get(i).getKey().getSimpleName(), e.toString());
      }
    }
  }
}
