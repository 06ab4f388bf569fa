package io.beacon.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Spawning and reaping of the stack's child JVMs: the one place that knows how a child is tied to our own
 * lifetime.
 *
 * <p>Two layers make sure no server outlives the JVM that started it:
 * <ul>
 *   <li>a JVM shutdown hook stops every live child (normal exit, Ctrl-C, SIGTERM, a failed test run);</li>
 *   <li>{@code setpriv --pdeathsig SIGTERM} makes the kernel send SIGTERM to a child when its parent dies,
 *       which also covers a SIGKILLed parent, where no hook runs.</li>
 * </ul>
 */
final class ChildProcesses {

  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  /*
   * The kernel's "parent death" is the death of the parent THREAD, not of the process (prctl(2)):
   * a child spawned from a pool thread that later retires would get SIGTERM at that moment. So every
   * child is spawned from this one thread, which never exits (a daemon core thread of a single-thread
   * executor does not time out, and tasks go through submit(), so a failing spawn cannot kill it).
   */
  private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "beacon-devstack-spawner");
    thread.setDaemon(true);
    return thread;
  });

  private static final Set<ServerProcess> LIVE = ConcurrentHashMap.newKeySet();
  private static final List<Runnable> BEFORE_STOP = new CopyOnWriteArrayList<>();
  private static final List<Runnable> AFTER_STOP = new CopyOnWriteArrayList<>();
  private static volatile boolean shuttingDown;

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      shuttingDown = true;
      // JVM hooks run concurrently: whoever uses the servers (a Beacon node) stops first, inside this hook.
      for (Runnable r : BEFORE_STOP) {
        try {
          r.run();
        } catch (RuntimeException e) {
          // keep going: the servers must stop whatever their user did
        }
      }
      stopAll(List.copyOf(LIVE));
      for (Runnable r : AFTER_STOP) {
        try {
          r.run();
        } catch (RuntimeException e) {
          // keep going
        }
      }
    }, "beacon-devstack-shutdown"));
  }

  /** Runs {@code action} in the shutdown hook before any server is stopped. */
  static void beforeStop(Runnable action) {
    BEFORE_STOP.add(action);
  }

  /** Runs {@code action} in the shutdown hook once every server is stopped (e.g. removing network namespaces). */
  static void afterStop(Runnable action) {
    AFTER_STOP.add(action);
  }

  private ChildProcesses() {
  }

  /** Starts {@code builder} from the long-lived spawner thread (see above) and tracks it for the shutdown hook. */
  static Process spawn(ServerProcess owner, ProcessBuilder builder) throws IOException {
    if (shuttingDown) {
      throw new IllegalStateException("JVM is shutting down; not starting " + owner.name());
    }
    Future<Process> future = SPAWNER.submit(builder::start);
    try {
      Process process = future.get();
      LIVE.add(owner);
      return process;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + owner.name(), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("could not start " + owner.name(), cause);
    }
  }

  /** Called once the owner's process is gone, so the shutdown hook no longer waits for it. */
  static void forget(ServerProcess owner) {
    LIVE.remove(owner);
  }

  /**
   * Prefixes a command with {@code setpriv --pdeathsig SIGTERM}. setpriv execs the command, so the child
   * keeps the same PID and {@link Process#destroy()} still signals the server itself.
   *
   * @param dropIpcLock also drop CAP_IPC_LOCK from the bounding set: as root, Cassandra otherwise mlocks
   *                    its whole heap (slower start, ~1.5 GB RSS). Only root may (and needs to) drop it.
   */
  static List<String> wrap(List<String> command, boolean dropIpcLock) {
    if (!Files.isExecutable(SETPRIV)) {
      // Not Debian/Linux: the shutdown hook still covers everything but a SIGKILLed parent.
      return command;
    }
    List<String> wrapped = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      // A session of its own: Ctrl-C in the terminal reaches only our JVM, which stops its node
      // before the servers (setsid execs in place here: a spawned child is no group leader).
      wrapped.add(SETSID.toString());
    }
    wrapped.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "SIGTERM"));
    if (dropIpcLock && isRoot()) {
      wrapped.addAll(List.of("--bounding-set", "-ipc_lock"));
    }
    wrapped.add("--");
    wrapped.addAll(command);
    return wrapped;
  }

  /** The java executable of the running JVM (the servers need Java 17, which is what Beacon runs on). */
  static String javaExecutable() {
    Optional<String> self = ProcessHandle.current().info().command();
    if (self.isPresent() && Files.isExecutable(Path.of(self.get()))) {
      return self.get();
    }
    String javaHome = System.getenv("JAVA_HOME");
    if (javaHome == null || javaHome.isBlank()) {
      javaHome = System.getProperty("java.home");
    }
    return Path.of(javaHome, "bin", "java").toString();
  }

  /** Stops the given servers in parallel (SIGTERM, then SIGKILL after each one's deadline). */
  static void stopAll(Collection<? extends ServerProcess> servers) {
    List<Thread> stoppers = new ArrayList<>();
    for (ServerProcess server : servers) {
      Thread thread = new Thread(server::stop, "beacon-devstack-stop-" + server.name());
      thread.start();
      stoppers.add(thread);
    }
    for (Thread thread : stoppers) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean isRoot() {
    // /proc/self/status "Uid:" line: real, effective, saved, fs. The effective uid decides capabilities.
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return "0".equals(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return "root".equals(System.getProperty("user.name"));
  }
}
