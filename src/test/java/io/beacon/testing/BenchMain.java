package io.beacon.testing;

/**
 * How a benchmark's {@code main} ends: exit 0 after the run, 1 (with the cause printed) when it fails. Without
 * it a failed run leaves the JVM alive on the Vert.x and driver threads that were still open.
 */
public final class BenchMain {
  /** A benchmark's body. */
  public interface Body {
    void run() throws Exception;
  }

  private BenchMain() {}

  public static void run(String name, Body body) {
    int code = 0;
    try {
      body.run();
    } catch (Throwable t) {
      System.err.println(name + " failed: " + t);
      t.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }
}
