package io.beacon.devstack;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the Spark aggregation job ({@code spark-job/}, its own Maven build) for a local run: compiles it and
 * writes its runtime classpath to {@code spark-job/target/classpath.txt}, the layout the README and the tests
 * use. Unlike the stack's servers (a classpath only, see {@link Classpaths}), the job is Beacon's own code, so
 * it is rebuilt whenever one of its sources, the shared model it compiles ({@code src/main/java/io/beacon/model})
 * or its pom is newer than the last build.
 */
final class SparkJobBuild {

  /** A cold build downloads Spark (~200 MB of jars); give a slow mirror plenty of time. */
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);

  private SparkJobBuild() {
  }

  /**
   * The job's classpath ({@code spark-job/target/classes} first, then its runtime dependencies, Spark included),
   * building it first if it is missing or stale.
   *
   * @param log where Maven's output goes if it has to run
   * @throws LocalStackException if Maven fails (with the tail of its log)
   */
  static String classpath(Path beaconHome, Path log) {
    Path project = beaconHome.resolve("spark-job").toAbsolutePath().normalize();
    Path pom = project.resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      throw new LocalStackException("no " + pom + ": is beacon.home (" + beaconHome + ") the Beacon checkout?");
    }
    Path target = project.resolve("target");
    Path cache = target.resolve("classpath.txt");
    Path classes = target.resolve("classes");
    // Same guards as Classpaths: one build at a time per JVM, and across JVMs (a test run and `beacon up`).
    synchronized (SparkJobBuild.class) {
      try {
        Files.createDirectories(target);
        try (FileChannel channel = FileChannel.open(target.resolve("build.lock"),
                 StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
          List<Path> sources = List.of(pom, project.resolve("src/main"),
              beaconHome.resolve("src/main/java/io/beacon/model"));
          String cached = readIfFresh(cache, classes, sources);
          if (cached == null) {
            runMaven(beaconHome, pom, cache, log);
            cached = readIfFresh(cache, classes, sources);
            if (cached == null) {
              throw new LocalStackException("Maven succeeded but " + cache + " or " + classes
                  + " is missing or stale");
            }
          }
          return classes + File.pathSeparator + cached;
        }
      } catch (IOException e) {
        throw new LocalStackException("could not build the Spark job: " + e, e);
      }
    }
  }

  /**
   * The cached dependency classpath, or null if it or the compiled job is missing, a source is newer than it
   * (the classpath file is written after the compile, so it dates the build), or a listed jar is gone.
   */
  private static String readIfFresh(Path cache, Path classes, List<Path> sources) throws IOException {
    if (!Files.isRegularFile(cache)
        || !Files.isRegularFile(classes.resolve("io/beacon/spark/AggregationJob.class"))) {
      return null;
    }
    FileTime built = Files.getLastModifiedTime(cache);
    for (Path source : sources) {
      if (!Files.exists(source)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(source)) {
        boolean newer = files.filter(Files::isRegularFile).anyMatch(file -> {
          try {
            return Files.getLastModifiedTime(file).compareTo(built) > 0;
          } catch (IOException e) {
            return true; // unreadable: let Maven decide
          }
        });
        if (newer) {
          return null;
        }
      }
    }
    return Classpaths.readValid(cache);
  }

  private static void runMaven(Path beaconHome, Path pom, Path cache, Path log) throws IOException {
    Classpaths.mavenClasspath(beaconHome, pom, cache, log, List.of("compile"), "building", BUILD_TIMEOUT);
  }
}
