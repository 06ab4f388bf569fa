package io.beacon.testing;

import io.beacon.devstack.SparkJobBuild;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The Spark aggregation job ({@code spark-job/}) as a child JVM with its own classpath: Spark's Netty, Jackson
 * and Scala clash with the test JVM's Vert.x, so the job never runs in-process. The first use builds the job
 * (the dev stack's {@link SparkJobBuild}: nothing to do after a reactor build), once per test JVM.
 *
 * <p>The child is tied to this JVM by {@code setpriv --pdeathsig SIGKILL} (spawned from one long-lived thread,
 * since the kernel's "parent death" is the spawning thread's) and by a shutdown hook.
 */
public final class SparkJobProcess implements AutoCloseable {

  private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "beacon-spark-job-spawner");
    t.setDaemon(true);
    return t;
  });
  private static final List<SparkJobProcess> LIVE = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static String classpath;

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(j -> j.process.destroyForcibly())));
  }

  private final List<String> args;
  private final Path log;
  private Process process;

  /**
   * @param args job arguments ({@code --key=value}, see io.beacon.spark.JobConfig)
   * @param log  where the job's output goes (appended across restarts)
   */
  public SparkJobProcess(List<String> args, Path log) {
    this.args = List.copyOf(args);
    this.log = log;
  }

  /** Builds the job if this JVM has not yet, then spawns it; does not wait for a batch. */
  public synchronized SparkJobProcess start() throws Exception {
    Path home = home();
    List<String> command = new ArrayList<>(List.of(javaExecutable(), "@" + home.resolve("spark-job/jvm.options"),
        "-Xms64m", "-Xmx640m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
        "-cp", classpath(home), "io.beacon.spark.AggregationJob"));
    command.addAll(args);
    if (Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
      command.addAll(0, List.of("/usr/bin/setpriv", "--pdeathsig", "SIGKILL", "--"));
    }
    Files.createDirectories(log.getParent());
    Files.writeString(log, "---- " + Instant.now() + " starting: " + String.join(" ", args) + "\n",
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // Tests send a session's events within seconds: count a client's sessions 2 s after its last event (production
    // waits GA4's 30 minutes), unless a test says otherwise.
    if (args.stream().noneMatch(a -> a.startsWith("--session-settle"))) {
      builder.environment().put("BEACON_SPARK_SESSION_SETTLE", "PT2S");
    }
    process = SPAWNER.submit(builder::start).get();
    process.getOutputStream().close();
    LIVE.add(this);
    return this;
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Exit code, or null while it runs. */
  public Integer exitCode() {
    return process == null || process.isAlive() ? null : process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  /** {@code kill -9}: no shutdown hook, no clean stop of the query. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    LIVE.remove(this);
  }

  /** SIGTERM, then SIGKILL after 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    LIVE.remove(this);
  }

  /** Waits for the process to exit by itself (e.g. a failed start). */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("spark job still running after " + timeout + "; log " + log + ":\n" + logTail(30));
    }
    LIVE.remove(this);
    return process.exitValue();
  }

  /** The last lines of the job's log, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public Path log() {
    return log;
  }

  private static Path home() {
    return Path.of(System.getProperty("beacon.home", "")).toAbsolutePath();
  }

  /** The job's classes and classpath, built first if a source is newer than the last build (SparkJobBuild). */
  private static synchronized String classpath(Path home) throws Exception {
    if (classpath == null) {
      Path buildLog = home.resolve("target/spark-job-build.log");
      Files.createDirectories(buildLog.getParent());
      classpath = SparkJobBuild.classpath(home, buildLog);
    }
    return classpath;
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
