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

  /** The load average over 1, 5 and 15 minutes, as the result files record it ("?" where unknown). */
  public static String loadAverage() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  /** Deletes {@code root} and everything below it, if it exists (a benchmark's throw-away stack). */
  public static void deleteRecursively(java.nio.file.Path root) throws java.io.IOException {
    if (!java.nio.file.Files.exists(root)) {
      return;
    }
    try (var paths = java.nio.file.Files.walk(root)) {
      for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(p);
      }
    }
  }

  /**
   * Resident set size (bytes) of each named process, from {@code /proc/<pid>/status} (VmRSS), as the result
   * files record it; a process that is gone (or a system without /proc) is left out.
   */
  public static io.vertx.core.json.JsonObject rssBytes(java.util.Map<String, Long> pids) {
    io.vertx.core.json.JsonObject out = new io.vertx.core.json.JsonObject();
    pids.forEach((name, pid) -> {
      long rss = procStatusBytes(pid, "VmRSS");
      if (rss >= 0) {
        out.put(name, rss);
      }
    });
    return out;
  }

  /** A size line of {@code /proc/<pid>/status} (e.g. VmRSS, VmHWM) in bytes; -1 if the process is gone or not Linux. */
  public static long procStatusBytes(long pid, String field) {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024; // kB
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return -1;
  }

  /** Writes {@code result} as pretty JSON to {@code out}, creating its directory. */
  public static void writeJson(java.nio.file.Path out, io.vertx.core.json.JsonObject result) throws java.io.IOException {
    java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
    java.nio.file.Files.writeString(out, result.encodePrettily());
  }

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
