package io.beacon.devstack;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Resolves the classpath of one server from its standalone pom ({@code stack/<name>/pom.xml}), caching it in
 * {@code stack/<name>/target/classpath.txt}.
 *
 * <p>Each server has its own dependency set (Kafka's, Cassandra's and QuestDB's Netty/slf4j/Jackson clash
 * with Vert.x 5's), so it gets its own classpath and JVM. Maven resolves it once; later starts only check
 * that the cached file is newer than the pom and that its jars still exist.
 */
final class Classpaths {

  /** A cold resolution downloads up to ~70 MB of jars; give a slow mirror plenty of time. */
  private static final Duration RESOLVE_TIMEOUT = Duration.ofMinutes(15);

  /** In-JVM guard per pom: a FileLock cannot be taken twice by one JVM (OverlappingFileLockException). */
  private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  private Classpaths() {
  }

  /**
   * Returns the classpath (jar paths joined by the platform separator) of {@code stack/<name>}, running
   * Maven first if the cache is missing or stale.
   *
   * @param log where Maven's output goes if it has to run
   */
  static String resolve(Path beaconHome, String name, Path log) {
    Path pom = beaconHome.resolve("stack").resolve(name).resolve("pom.xml").toAbsolutePath().normalize();
    if (!Files.isRegularFile(pom)) {
      throw new LocalStackException("no " + pom + ": is beacon.home (" + beaconHome + ") the Beacon checkout?");
    }
    Path target = pom.getParent().resolve("target");
    Path cache = target.resolve("classpath.txt");
    synchronized (JVM_LOCKS.computeIfAbsent(pom, p -> new Object())) {
      try {
        Files.createDirectories(target);
        // The file lock keeps a test run and `beacon up` (two JVMs) from resolving into the same file at once.
        try (FileChannel channel = FileChannel.open(target.resolve("classpath.lock"),
                 StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
          String cached = readIfFresh(cache, pom);
          if (cached != null) {
            return cached;
          }
          runMaven(beaconHome, pom, cache, log);
          cached = readIfFresh(cache, pom);
          if (cached == null) {
            throw new LocalStackException("Maven succeeded but " + cache + " is missing or lists missing jars");
          }
          return cached;
        }
      } catch (IOException e) {
        throw new LocalStackException("could not resolve the " + name + " classpath: " + e, e);
      }
    }
  }

  /** The cached classpath, or null if it is missing, older than the pom, or names a jar that is gone. */
  private static String readIfFresh(Path cache, Path pom) throws IOException {
    if (!Files.isRegularFile(cache)
        || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(pom)) < 0) {
      return null;
    }
    return readValid(cache);
  }

  /** The classpath cached in {@code cache}, or null if it is empty or names a jar that is gone. */
  static String readValid(Path cache) throws IOException {
    String classpath = Files.readString(cache, StandardCharsets.UTF_8).trim();
    if (classpath.isEmpty()) {
      return null;
    }
    for (String entry : classpath.split(File.pathSeparator)) {
      if (!Files.exists(Path.of(entry))) {
        return null; // e.g. ~/.m2 was cleaned
      }
    }
    return classpath;
  }

  private static void runMaven(Path beaconHome, Path pom, Path cache, Path log) throws IOException {
    mavenClasspath(beaconHome, pom, cache, log, List.of(), "resolving", RESOLVE_TIMEOUT);
  }

  /**
   * Runs {@code goals} then {@code dependency:build-classpath} on {@code pom} (./mvnw if present), logging to
   * {@code log}, and moves the classpath into {@code cache} atomically. Maven writes a fresh temporary file
   * first: a reader never sees a half-written classpath, and the cache's modification time dates the build.
   */
  static void mavenClasspath(Path beaconHome, Path pom, Path cache, Path log, List<String> goals, String verb,
                             java.time.Duration timeout) throws IOException {
    Path tmp = cache.resolveSibling("classpath.txt.tmp");
    Files.deleteIfExists(tmp);
    List<String> args = new ArrayList<>(goals);
    args.addAll(List.of("dependency:build-classpath", "-Dmdep.outputFile=" + tmp));
    maven(beaconHome, pom, log, args, verb, timeout);
    Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Runs {@code ./mvnw -q -B -f pom args} (or mvn), logging to {@code log}; fails with the log's tail. */
  static void maven(Path beaconHome, Path pom, Path log, List<String> args, String verb, java.time.Duration timeout)
      throws IOException {
    Path wrapper = beaconHome.resolve("mvnw");
    String mvn = Files.isExecutable(wrapper) ? wrapper.toAbsolutePath().toString() : "mvn";
    List<String> command = new ArrayList<>(List.of(mvn, "-q", "-B", "-f", pom.toString()));
    command.addAll(args);
    LogFiles.appendLine(log, "---- " + Instant.now() + " " + verb + ": " + String.join(" ", command));
    Process process = new ProcessBuilder(command)
        .directory(pom.getParent().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    process.getOutputStream().close();
    try {
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new LocalStackException(verb + " " + pom + " took more than " + timeout + "; see " + log);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted while " + verb + " " + pom, e);
    }
    if (process.exitValue() != 0) {
      throw new LocalStackException("`" + String.join(" ", command) + "` failed with exit code "
          + process.exitValue() + "; see " + log + ":" + System.lineSeparator() + LogFiles.tail(log, 20));
    }
  }
}
