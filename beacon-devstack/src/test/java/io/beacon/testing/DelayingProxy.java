package io.beacon.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP pass-through on a loopback port that holds back, for a fixed time, every chunk a client sends that
 * contains a marker (e.g. a property id bound as a query parameter): a store that answers one property's queries
 * slowly, and every other query at once. Between a node and QuestDB's PG wire port it makes an ad-hoc report
 * deterministically slow, without touching the node. Closed at {@link #close()}.
 */
public final class DelayingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final byte[] marker;
  private final long delayMs;
  private final AtomicInteger delayed = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean open = true;

  public DelayingProxy(int targetPort, String marker, long delayMs) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.marker = marker.getBytes(StandardCharsets.UTF_8);
    this.delayMs = delayMs;
    Thread acceptor = new Thread(this::accept, "delaying-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** How many chunks held the marker (and were held back) so far. */
  public int delayed() {
    return delayed.get();
  }

  private void accept() {
    while (open) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5_000);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, true);
        pump(upstream, client, false);
      } catch (IOException e) {
        if (!open) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to, boolean watch) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      // The tail of the previous chunk, so a marker split across two reads is still found.
      byte[] carry = new byte[0];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (watch) {
            byte[] window = new byte[carry.length + n];
            System.arraycopy(carry, 0, window, 0, carry.length);
            System.arraycopy(buf, 0, window, carry.length, n);
            if (indexOf(window, marker) >= 0) {
              delayed.incrementAndGet();
              Thread.sleep(delayMs);
              carry = new byte[0];
            } else {
              carry = Arrays.copyOfRange(window, Math.max(0, window.length - marker.length + 1), window.length);
            }
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // either side closed: close the other
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "delaying-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    open = false;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(DelayingProxy::closeQuietly);
  }
}
