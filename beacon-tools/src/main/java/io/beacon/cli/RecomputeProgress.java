package io.beacon.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code beacon recompute}: starts a correction job (or looks at / cancels one) and follows it with a progress
 * bar until it ends. Interrupting the command leaves the job running on the server.
 */
final class RecomputeProgress {
  /** The API call of {@link ApiCli}. */
  interface Api {
    JsonObject call(String method, String path, JsonObject body) throws IOException, InterruptedException;
  }

  private static final int WIDTH = 30;
  private final Api api;
  private final PrintStream out;
  private final PrintStream err;

  RecomputeProgress(Api api, PrintStream out, PrintStream err) {
    this.api = api;
    this.out = out;
    this.err = err;
  }

  /** Cancels job {@code id} and prints its row. */
  int cancel(String id) throws IOException, InterruptedException {
    out.println(api.call("DELETE", "/api/v1/admin/recompute/" + id, null).encodePrettily());
    return 0;
  }

  /** Follows job {@code id} until it ends; 0 done, 1 failed or cancelled. */
  int status(String id) throws IOException, InterruptedException {
    return follow(api.call("GET", "/api/v1/admin/recompute/" + id, null));
  }

  /**
   * Starts a job over days {@code from} to {@code to} (YYYY-MM-DD; the API checks them) of {@code property}; with
   * {@code wait}, follows it until it ends, else prints its id.
   */
  int start(String property, String from, String to, boolean wait) throws IOException, InterruptedException {
    JsonObject job = api.call("POST", "/api/v1/admin/recompute", new JsonObject().put("property", property)
        .put("from", from).put("to", to));
    err.println("Recompute job " + job.getString("jobId") + " queued (property " + job.getString("propertyId")
        + ", " + job.getString("from") + " to " + job.getString("to") + ")");
    if (!wait) {
      out.println(job.getString("jobId"));
      return 0;
    }
    return follow(job);
  }

  private int follow(JsonObject job) throws IOException, InterruptedException {
    String id = job.getString("jobId");
    while (!finished(job)) {
      err.print("\r" + bar(job));
      err.flush();
      Thread.sleep(1_000); // a CLI poll interval, not a test wait
      job = api.call("GET", "/api/v1/admin/recompute/" + id, null);
    }
    err.println("\r" + bar(job));
    String status = job.getString("status");
    if (!"done".equals(status)) {
      err.println("Job " + id + " " + status + (job.containsKey("error") ? ": " + job.getString("error") : ""));
      return ApiCli.EXIT_FAILED;
    }
    return 0;
  }

  private static boolean finished(JsonObject job) {
    String s = job.getString("status");
    return "done".equals(s) || "failed".equals(s) || "cancelled".equals(s);
  }

  /** e.g. {@code [###########-------------------]  37%  11/30 days  1,204,332 hits  ETA 42 s  running}. */
  static String bar(JsonObject job) {
    JsonObject p = job.getJsonObject("progress", new JsonObject());
    double fraction = p.getDouble("fraction", 0.0);
    int filled = (int) Math.round(fraction * WIDTH);
    String eta = p.containsKey("etaSeconds") ? "  ETA " + p.getLong("etaSeconds") + " s" : "";
    return String.format(Locale.ROOT, "[%s%s] %3d%%  %d/%d days  %,d hits%s  %-9s", "#".repeat(filled),
        "-".repeat(WIDTH - filled), Math.round(fraction * 100), p.getInteger("daysDone", 0),
        p.getInteger("daysTotal", 0), p.getLong("hitsScanned", 0L), eta, job.getString("status"));
  }
}
