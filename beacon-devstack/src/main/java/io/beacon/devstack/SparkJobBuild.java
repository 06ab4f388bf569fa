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
 * Builds the Spark aggregation job (module {@code spark-job/}) for a local run: compiles it with the modules it
 * depends on ({@code ./mvnw -pl spark-job -am process-classes}), whose build writes its runtime classpath to
 * {@code spark-job/target/classpath.txt}, the layout the README and the tests use. A full reactor build writes the
 * same file, so after {@code ./mvnw verify} nothing is rebuilt here. Unlike the stack's servers (a classpath
 * only, see {@link Classpaths}), the job is Beacon's own code, so it is rebuilt whenever one of its sources, those
 * of beacon-model and beacon-store, or one of their poms is newer than the last build.
 */
public final class SparkJobBuild {

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
  public static String classpath(Path beaconHome, Path log) {
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
          List<Path> sources = List.of(pom, project.resolve("src/main"), beaconHome.resolve("pom.xml"),
              beaconHome.resolve("beacon-model/pom.xml"), beaconHome.resolve("beacon-model/src/main"),
              beaconHome.resolve("beacon-store/pom.xml"), beaconHome.resolve("beacon-store/src/main"));
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
    Path root = beaconHome.resolve("pom.xml").toAbsolutePath();
    Classpaths.maven(beaconHome, root, log, List.of("-pl", "spark-job", "-am", "process-classes"), "building",
        BUILD_TIMEOUT);
  }
}
