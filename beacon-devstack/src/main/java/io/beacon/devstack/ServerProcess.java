package io.beacon.devstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server of the local stack, run as a child JVM ({@code java <flags> -cp <classpath> <main> <args>}) with
 * its own classpath, data directory and log file ({@code <dataDir>/logs/<name>.log}, appended across restarts).
 *
 * <p>Life cycle: {@link #start()} resolves the classpath, writes the configuration and spawns the JVM;
 * {@link #awaitReady(Duration)} asks the server (a real client call) until it answers. The fault-injection
 * methods {@link #stop()}, {@link #kill()} and {@link #restart()} act on the same data directory, so data
 * survives them. Children die with the parent JVM (see {@link ChildProcesses}).
 */
public abstract class ServerProcess {

  /** How long a server may take from its spawn to its first answer before {@link #restart()} gives up. */
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(180);

  /** How long a server gets to exit after SIGTERM before it is SIGKILLed. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  protected final Logger log = LoggerFactory.getLogger(getClass());

  private final String name;
  private final String stack;
  private final Path beaconHome;
  private final Path home;
  private final Path logFile;

  private volatile Process process;
  private volatile Instant startedAt;
  private volatile Duration lastClasspathTime = Duration.ZERO;
  private volatile Duration lastReadyTime;

  /**
   * @param name       short name ("kafka"): names the stack pom, the data subdirectory and the log file
   * @param beaconHome the Beacon checkout, holding {@code stack/<name>/pom.xml}
   * @param dataDir    the stack's data directory; this server uses {@code <dataDir>/<name>}
   */
  protected ServerProcess(String name, Path beaconHome, Path dataDir) {
    this(name, name, beaconHome, dataDir.toAbsolutePath().normalize().resolve(name),
        dataDir.toAbsolutePath().normalize().resolve("logs").resolve(name + ".log"));
  }

  /**
   * One node of a cluster (e.g. "kafka-2" of stack "kafka"), with its own home and log file.
   *
   * @param name    this process's name ("kafka-2"): names its log lines and threads
   * @param stack   the stack pom it runs from ({@code stack/<stack>/pom.xml}), shared by the cluster's nodes
   * @param home    its data directory
   * @param logFile where its stdout and stderr go
   */
  protected ServerProcess(String name, String stack, Path beaconHome, Path home, Path logFile) {
    this.name = name;
    this.stack = stack;
    this.beaconHome = beaconHome.toAbsolutePath().normalize();
    this.home = home.toAbsolutePath().normalize();
    this.logFile = logFile.toAbsolutePath().normalize();
  }

  /** Short name, e.g. "kafka". */
  public String name() {
    return name;
  }

  /** This server's data directory, {@code <dataDir>/<name>}. */
  public Path home() {
    return home;
  }

  /** Where the child's stdout and stderr go (appended across restarts). */
  public Path logFile() {
    return logFile;
  }

  /** The child's PID (setpriv execs java, so it is the server JVM itself), or -1 if never started. */
  public long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  /** Whether the child JVM is running (not necessarily ready yet). */
  /** The exit code of the last start's process, if it has exited. */
  public java.util.Optional<Integer> exitCode() {
    Process p = process;
    return p == null || p.isAlive() ? java.util.Optional.empty() : java.util.Optional.of(p.exitValue());
  }

  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Time the last {@link #start()} spent resolving the classpath (zero when cached). */
  public Duration lastClasspathTime() {
    return lastClasspathTime;
  }

  /**
   * Time from the last {@link #start()} (after its classpath resolution: configuration, storage format, JVM
   * start) to the first answer, or null if the last start has not become ready.
   */
  public Duration lastReadyTime() {
    return lastReadyTime;
  }

  /**
   * Spawns the server JVM; does not wait for it to answer (see {@link #awaitReady(Duration)}).
   * Resolves the classpath first (Maven, possibly minutes on a cold ~/.m2).
   *
   * @throws IllegalStateException if it is already running
   * @throws LocalStackException   if the classpath or the preparation step fails
   */
  public synchronized void start() {
    if (isAlive()) {
      throw new IllegalStateException(name + " is already running (pid " + pid() + ")");
    }
    lastReadyTime = null;
    Instant resolveStart = Instant.now();
    String classpath = resolveClasspath();
    lastClasspathTime = Duration.between(resolveStart, Instant.now());
    startedAt = Instant.now();
    try {
      Files.createDirectories(home);
      Files.createDirectories(logFile.getParent());
      prepare(classpath);
      List<String> command = command(classpath);
      LogFiles.appendLine(logFile, "---- " + Instant.now() + " starting " + name + ": " + String.join(" ", command));
      ProcessBuilder builder = new ProcessBuilder(ChildProcesses.wrap(command, dropIpcLock()))
          .directory(home.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE);
      // glibc gives each thread that allocates its own 64 MB malloc arena: a JVM with a hundred threads holds
      // hundreds of MB it never uses. Two arenas are plenty for a JVM, which allocates its own heap (a subclass may
      // still set another value).
      builder.environment().put("MALLOC_ARENA_MAX", "2");
      adjustEnvironment(builder.environment());
      Process started = ChildProcesses.spawn(this, builder);
      started.getOutputStream().close();
      process = started;
      log.info("{} started (pid {}), log {}", name, started.pid(), logFile);
    } catch (IOException e) {
      throw new LocalStackException("could not start " + name + ": " + e + "; see " + logFile, e);
    }
  }

  /**
   * Polls the server with a real client call until it answers.
   *
   * @throws LocalStackException naming the server and its log file if the child exits first or the
   *                             timeout passes
   */
  public void awaitReady(Duration timeout) {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException(name + " was never started");
    }
    Instant deadline = Instant.now().plus(timeout);
    Exception lastFailure = null;
    try (Probe probe = newProbe()) {
      while (true) {
        if (!p.isAlive()) {
          throw new LocalStackException(name + " exited with code " + p.exitValue()
              + " before it was ready; see " + logFile + ":" + System.lineSeparator() + LogFiles.tail(logFile, 25));
        }
        try {
          probe.check();
          lastReadyTime = Duration.between(startedAt, Instant.now());
          log.info("{} ready after {} ms", name, lastReadyTime.toMillis());
          return;
        } catch (Exception e) {
          lastFailure = e;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new LocalStackException(name + " did not answer within " + timeout.toSeconds() + " s (last probe: "
              + lastFailure + "); see " + logFile + ":" + System.lineSeparator() + LogFiles.tail(logFile, 25),
              lastFailure);
        }
        // Waiting on the exit future rather than sleeping: returns at once if the child dies meanwhile.
        try {
          p.onExit().get(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException expected) {
          // still running: poll again
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted while waiting for " + name, e);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after {@link #STOP_TIMEOUT}. No-op if not running. */
  public void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    try {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("{} (pid {}) ignored SIGTERM for {} s; sending SIGKILL", name, p.pid(), STOP_TIMEOUT.toSeconds());
          p.destroyForcibly();
          p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      if (!p.isAlive()) {
        ChildProcesses.forget(this);
      }
    }
  }

  /** SIGKILL (kill -9), like a crash: no shutdown of the server runs. Waits until the process is gone. */
  public void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!p.isAlive()) {
      ChildProcesses.forget(this);
    }
  }

  /** {@link #stop()} (a no-op after {@link #kill()}), {@link #start()}, and {@link #awaitReady} with the default timeout. */
  public void restart() {
    stop();
    start();
    awaitReady(DEFAULT_READY_TIMEOUT);
  }

  @Override
  public String toString() {
    return name + "(pid " + pid() + ", " + (isAlive() ? "alive" : "not running") + ")";
  }

  // ---- what each server supplies -------------------------------------------------------------------------

  /**
   * The child's classpath, resolved before every spawn: by default from {@code stack/<name>/pom.xml} (see
   * {@link Classpaths}); may run Maven (minutes on a cold ~/.m2), so it must be cheap when nothing changed.
   */
  protected String resolveClasspath() {
    return Classpaths.resolve(beaconHome, stack, logFile.resolveSibling(name + "-classpath.log"));
  }

  /** The Beacon checkout this server was created with. */
  protected Path beaconHome() {
    return beaconHome;
  }

  /** Writes configuration files, formats storage, etc. Runs before every spawn, so it must be idempotent. */
  protected void prepare(String classpath) throws IOException {
  }

  /** The child's command line: by default {@code java <options> @classpath main args}; native servers override it. */
  protected List<String> command(String classpath) throws IOException {
    return javaCommand(classpath, jvmOptions(), mainClass(), arguments());
  }

  /**
   * Flags every server JVM gets before its own: an idle server gives memory back. G1 runs a concurrent cycle after 30 s
   * without a collection and then uncommits the heap it does not use beyond 30% free (the default keeps up to 70% free,
   * and a server that once grew its heap kept it). Measured by {@code bin/bench-footprint}.
   */
  static final List<String> IDLE_FRUGAL = List.of("-XX:G1PeriodicGCInterval=30000", "-XX:MaxHeapFreeRatio=30",
      "-XX:MinHeapFreeRatio=10");

  /** JVM flags (heap, GC, system properties). */
  protected abstract List<String> jvmOptions();

  protected abstract String mainClass();

  protected abstract List<String> arguments();

  /** Extra environment variables for the child. */
  protected Map<String, String> environment() {
    return Map.of();
  }

  /** Sets the child's environment (inherited from this JVM): by default adds {@link #environment()}. */
  protected void adjustEnvironment(Map<String, String> env) {
    env.putAll(environment());
  }

  /** Whether to drop CAP_IPC_LOCK (see {@link ChildProcesses#wrap}). */
  protected boolean dropIpcLock() {
    return false;
  }

  /** A fresh readiness probe; {@link Probe#check()} is called repeatedly until it returns normally. */
  protected abstract Probe newProbe();

  /** One readiness check that asks the server; holds client state across attempts. */
  protected interface Probe extends AutoCloseable {
    /** Returns normally iff the server answered. */
    void check() throws Exception;

    @Override
    default void close() {
    }
  }

  // ---- helpers for subclasses -----------------------------------------------------------------------------

  /**
   * {@code java [options] @<home>/classpath.args main args}: the (long) classpath goes into a Java argument
   * file, so {@code ps} shows a readable command line that still names the main class.
   */
  protected List<String> javaCommand(String classpath, List<String> options, String main, List<String> args)
      throws IOException {
    Path argFile = home.resolve("classpath.args");
    String quoted = classpath.replace("\\", "\\\\").replace("\"", "\\\"");
    Files.writeString(argFile, "-cp\n\"" + quoted + "\"\n", StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>();
    command.add(ChildProcesses.javaExecutable());
    command.addAll(IDLE_FRUGAL);
    command.addAll(options);
    command.add("@" + argFile);
    command.add(main);
    command.addAll(args);
    return command;
  }

  /** Cheap pre-check so client libraries are not started (and do not log warnings) before the port is up. */
  protected static void requirePortOpen(int port) throws IOException {
    requirePortOpen("127.0.0.1", port);
  }

  /** {@link #requirePortOpen(int)} on another (loopback) address, e.g. a cluster node on 127.0.0.2. */
  protected static void requirePortOpen(String host, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1000);
    }
  }
}
