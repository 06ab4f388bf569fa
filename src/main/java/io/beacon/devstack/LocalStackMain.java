package io.beacon.devstack;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the durable local stack on the default ports until SIGINT/SIGTERM; a debugging aid (the run command
 * calls {@link LocalStack#start} itself).
 *
 * <pre>
 * mvn -q compile dependency:build-classpath -Dmdep.outputFile=target/app-classpath.txt
 * java -cp target/classes:$(cat target/app-classpath.txt) io.beacon.devstack.LocalStackMain \
 *     [--data-dir DIR] [--beacon-home DIR] [--free-ports]
 * </pre>
 * Defaults: beacon home = system property {@code beacon.home} or the working directory; data dir =
 * {@code <beacon home>/data}.
 */
public final class LocalStackMain {

  private LocalStackMain() {
  }

  public static void main(String[] args) throws InterruptedException {
    Path home = Path.of(System.getProperty("beacon.home", "")).toAbsolutePath();
    Path dataDir = null;
    boolean freePorts = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data-dir" -> dataDir = Path.of(value(args, ++i));
        case "--beacon-home" -> home = Path.of(value(args, ++i)).toAbsolutePath();
        case "--free-ports" -> freePorts = true;
        default -> usage("unknown argument: " + args[i]);
      }
    }
    if (dataDir == null) {
      dataDir = home.resolve("data");
    }
    LocalStack.Ports ports = freePorts ? LocalStack.Ports.free() : LocalStack.Ports.defaults();
    LocalStack stack;
    try {
      stack = LocalStack.start(home, dataDir, ports, true);
    } catch (LocalStackException e) {
      System.err.println(e.getMessage());
      System.exit(1);
      return;
    }
    // ChildProcesses' shutdown hook stops the servers on SIGINT/SIGTERM; this one only says so.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("stopping the local stack...")));
    System.out.println("Beacon local stack is up (" + stack.timings() + "):");
    System.out.println("  kafka bootstrap      " + stack.kafkaBootstrap() + "   log " + stack.kafka().logFile());
    System.out.println("  cassandra CQL        " + stack.cassandraContactPoint() + "   log " + stack.cassandra().logFile());
    System.out.println("  questdb HTTP         " + stack.questdbHttpUrl() + "   log " + stack.questdb().logFile());
    System.out.println("  questdb PG wire      127.0.0.1:" + stack.questdbPgPort());
    System.out.println("  data dir             " + stack.dataDir());
    System.out.println("Ctrl-C to stop.");
    new CountDownLatch(1).await();
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      usage(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: LocalStackMain [--data-dir DIR] [--beacon-home DIR] [--free-ports]");
    System.exit(2);
  }
}
