package io.beacon.devstack;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Spark standalone as docker-compose.yml runs it (a master, workers, the shaded aggregation job submitted to
 * them), from the Spark jars the project already resolves (the job's build classpath, see {@link SparkJobBuild}):
 * they are linked into a Spark home of the run ({@code <run>/spark/home/jars}), because a worker launches the
 * driver and the executors as {@code java -cp $SPARK_HOME/conf:$SPARK_HOME/jars/*} (recipe).
 *
 * <p>The job is submitted with {@code spark-submit --deploy-mode cluster --supervise}: a worker runs the driver and
 * restarts it when it dies. Unless {@code --no-spark-auth}, {@code spark.authenticate} is on, with compose's
 * spark_auth_secret (generated for the run) in {@code conf/spark-defaults.conf} (mode 600), which the master, the
 * workers and spark-submit read; the workers hand it to the executors they launch, and the driver reads it from its
 * own option {@code --spark-auth-secret-file} (standalone mode takes the secret from the configuration, not from
 * {@code spark.authenticate.secret.file}, which only Kubernetes and YARN read).
 */
final class SparkCluster {
  static final int MASTER_PORT = 17077;
  static final int MASTER_UI_PORT = 18390;
  static final int WORKER_PORT = 17078;     // + worker index (0-based)
  static final int WORKER_UI_PORT = 18391;
  static final int METRICS_PORT = 19565;
  static final String JOB_CLASS = "io.beacon.spark.AggregationJob";

  private final Path beaconHome;
  private final Path dir;
  private final Path logs;
  private final Path sparkHome;
  private final List<Daemon> workers = new ArrayList<>();
  private final Daemon master;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final boolean authenticate;
  private final Path secretFile;
  private final List<String> jobOptions;

  /**
   * @param secretFile spark.authenticate's shared secret (compose's spark_auth_secret), or null: no authentication.
   *     In cluster mode the driver a worker launches never gets the secret from spark-submit (it drops
   *     spark.authenticate.secret from the driver's settings, even from --driver-java-options, and a standalone
   *     driver reads it only from its SparkConf): the job reads it itself ({@code --spark-auth-secret-file}).
   * @param jobOptions the job's credential options (StoreAuth.sparkJobOptions), added to its command line
   */
  SparkCluster(Path beaconHome, Path run, Path logs, int workerCount, Path secretFile, List<String> jobOptions) {
    this.authenticate = secretFile != null;
    this.secretFile = secretFile;
    this.jobOptions = jobOptions.stream()
        .filter(o -> authenticate || !o.startsWith("--spark-auth-secret-file=")).toList();
    this.beaconHome = beaconHome;
    this.dir = run.resolve("spark");
    this.logs = logs;
    this.sparkHome = dir.resolve("home");
    this.master = new Daemon("spark-master", "org.apache.spark.deploy.master.Master", List.of("--host", "127.0.0.1",
        "--port", Integer.toString(MASTER_PORT), "--webui-port", Integer.toString(MASTER_UI_PORT)), -1);
    for (int i = 0; i < workerCount; i++) {
      workers.add(new Daemon("spark-worker-" + (i + 1), "org.apache.spark.deploy.worker.Worker", List.of(
          "--host", "127.0.0.1", "--port", Integer.toString(WORKER_PORT + i), "--webui-port",
          Integer.toString(WORKER_UI_PORT + i), "--cores", "2", "--memory", "1g",
          "--work-dir", dir.resolve("worker-" + (i + 1)).toString(), masterUrl()), WORKER_PORT + i));
    }
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + MASTER_PORT;
  }

  ServerProcess master() {
    return master;
  }

  List<? extends ServerProcess> workers() {
    return workers;
  }

  String metricsUrl() {
    return "http://127.0.0.1:" + METRICS_PORT + "/metrics";
  }

  /** The shaded job, built if missing or older than its sources (./mvnw -pl spark-job -am package). */
  Path shadedJar() {
    Path jar = beaconHome.resolve("spark-job/target/beacon-spark-job.jar");
    // The local classpath build dates the sources; a jar older than it is stale.
    SparkJobBuild.classpath(beaconHome, logs.resolve("spark-build.log"));
    try {
      Path classpath = beaconHome.resolve("spark-job/target/classpath.txt");
      if (!Files.isRegularFile(jar)
          || Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(classpath)) < 0) {
        Classpaths.maven(beaconHome, beaconHome.resolve("pom.xml"), logs.resolve("spark-build.log"),
            List.of("-pl", "spark-job", "-am", "package", "-DskipTests"), "packaging the Spark job", Duration.ofMinutes(20));
      }
    } catch (IOException e) {
      throw new LocalStackException("cannot package the Spark job: " + e, e);
    }
    return jar;
  }

  /**
   * The Spark home: {@code jars/} links every Spark jar of the job's build classpath, {@code conf/} holds the log
   * configuration and {@code spark-defaults.conf} with the authentication secret.
   */
  void prepareHome() throws IOException {
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    Path conf = Files.createDirectories(sparkHome.resolve("conf"));
    String classpath = SparkJobBuild.classpath(beaconHome, logs.resolve("spark-build.log"));
    for (String entry : classpath.split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      if (entry.endsWith(".jar") && !Files.exists(jars.resolve(jar.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
      }
    }
    Files.copy(beaconHome.resolve("spark-job/src/main/resources/log4j2.properties"), conf.resolve("log4j2.properties"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path defaults = conf.resolve("spark-defaults.conf");
    if (!Files.exists(defaults)) {
      Files.createFile(defaults, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(defaults, authenticate ? String.join("\n",
          "# Written by the rehearsal: the cluster's shared secret (spark.authenticate), readable by its owner only.",
          "spark.authenticate true",
          "spark.authenticate.secret " + Files.readString(secretFile).strip(),
          // The legacy submission port (RPC) only: the REST server does not authenticate.
          "spark.master.rest.enabled false",
          "") : "# Written by the rehearsal (--no-spark-auth).\nspark.master.rest.enabled false\n");
    }
  }

  Map<String, String> environment() {
    return Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_CONF_DIR", sparkHome.resolve("conf").toString(),
        "SPARK_SCALA_VERSION", "2.12", "SPARK_LOCAL_IP", "127.0.0.1",
        "SPARK_LOCAL_DIRS", Path.of(dir.toString(), "tmp").toString());
  }

  private String sparkClasspath() {
    return sparkHome.resolve("conf") + File.pathSeparator + sparkHome.resolve("jars") + File.separator + "*";
  }

  private List<String> jvmFlags(String heap) {
    return List.of("-Xms32m", "-Xmx" + heap, "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
        "@" + beaconHome.resolve("spark-job").resolve("jvm.options"));
  }

  /**
   * {@code spark-submit --deploy-mode cluster --supervise} of the shaded job, with compose's job settings as its
   * options (addresses of the rehearsal). Returns once the master has accepted the driver (spark-submit exits).
   */
  /** How long the rehearsal's job holds a client's hits before counting its sessions (compose: 30 min). */
  static final java.time.Duration SESSION_SETTLE = java.time.Duration.ofSeconds(45);

  String submit(Path jar, String kafkaBootstrap, String cassandraContactPoints) throws IOException {
    Files.createDirectories(dir.resolve("tmp"));
    List<String> command = new ArrayList<>(List.of(ChildProcesses.javaExecutable()));
    command.addAll(jvmFlags("256m"));
    command.addAll(List.of("-cp", sparkClasspath(), "org.apache.spark.deploy.SparkSubmit",
        "--master", masterUrl(), "--deploy-mode", "cluster", "--supervise", "--class", JOB_CLASS,
        "--driver-memory", "512m", "--driver-cores", "1",
        // The driver a worker launches does not get Spark's Java 17 module flags (recipe): the job's file does.
        "--driver-java-options", String.join(" ", Files.readAllLines(beaconHome.resolve("spark-job/jvm.options"))),
        "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
        jar.toString(),
        "--kafka-bootstrap=" + kafkaBootstrap, "--cassandra-contact-points=" + cassandraContactPoints,
        "--checkpoint=" + dir.resolve("checkpoint"), "--metrics-port=" + METRICS_PORT, "--trigger=2 seconds",
        // Compose keeps the default, 30 minutes (GA4's session timeout): a client's hits reach Cassandra once its
        // session settled. A fault phase checks the identity within minutes, so its humans must settle sooner.
        "--session-settle=" + SESSION_SETTLE));
    // The job's credentials: files of the run's secrets, read by the driver (never their content on a command line).
    command.addAll(jobOptions);
    Path log = logs.resolve("spark-submit.log");
    LogFiles.appendLine(log, "---- " + Instant.now() + " " + String.join(" ", command));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(environment());
    Process p = pb.start();
    p.getOutputStream().close();
    try {
      if (!p.waitFor(3, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new LocalStackException("spark-submit did not return in 3 minutes; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new LocalStackException("spark-submit failed (exit " + p.exitValue() + "); see " + log + ":\n"
          + LogFiles.tail(log, 20));
    }
    // spark-submit logs the driver's id at INFO (the log configuration keeps Spark at WARN): ask the master.
    return activeDriver().orElse("a driver");
  }

  /** The id of a driver the master lists as active, from its JSON page. */
  Optional<String> activeDriver() {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + MASTER_UI_PORT + "/json/"))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
      java.util.regex.Matcher m = Pattern.compile("(driver-\\d+-\\d+)").matcher(body);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The job's streaming query runs (its metrics endpoint, on the driver, says so). */
  boolean jobActive() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(metricsUrl())).timeout(Duration.ofSeconds(3))
          .build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().lines().anyMatch(l -> l.startsWith("beacon_spark_query_active ")
          && Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()) > 0);
    } catch (IOException | RuntimeException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The driver JVM a worker launched (DriverWrapper of this Spark home), if running. */
  Optional<ProcessHandle> driver() {
    return sparkJvms("org.apache.spark.deploy.worker.DriverWrapper").stream().findFirst();
  }

  /** The executor JVMs the workers launched for the job. */
  List<ProcessHandle> executors() {
    return sparkJvms("org.apache.spark.executor.CoarseGrainedExecutorBackend");
  }

  private List<ProcessHandle> sparkJvms(String mainClass) {
    String home = sparkHome.toString();
    return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
        .map(c -> c.contains(mainClass) && c.contains(home)).orElse(false)).toList();
  }

  /** The master's view: "ALIVE" workers, from its JSON page. */
  int aliveWorkers() {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + MASTER_UI_PORT + "/json/"))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
      int workersAt = body.indexOf("\"workers\"");
      int end = body.indexOf("\"aliveworkers\"");
      if (workersAt < 0) {
        return 0;
      }
      String section = end > workersAt ? body.substring(workersAt, end) : body.substring(workersAt);
      return (int) Pattern.compile("\"state\"\\s*:\\s*\"ALIVE\"").matcher(section).results().count();
    } catch (IOException | RuntimeException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** A master or worker JVM, run from the Spark home (the classpath a worker gives what it launches). */
  final class Daemon extends ServerProcess {
    private final String main;
    private final List<String> args;
    private final int workerPort;

    Daemon(String name, String main, List<String> args, int workerPort) {
      super(name, "spark", beaconHome, dir.resolve(name), logs.resolve(name + ".log"));
      this.main = main;
      this.args = args;
      this.workerPort = workerPort;
    }

    @Override
    protected String resolveClasspath() {
      return sparkClasspath();
    }

    @Override
    protected List<String> jvmOptions() {
      return jvmFlags("256m");
    }

    @Override
    protected String mainClass() {
      return main;
    }

    @Override
    protected List<String> arguments() {
      return args;
    }

    @Override
    protected Map<String, String> environment() {
      return SparkCluster.this.environment();
    }

    /** Master: its JSON page says ALIVE. Worker: the master lists a worker on its port as ALIVE. */
    @Override
    protected Probe newProbe() {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + MASTER_UI_PORT + "/json/"))
          .timeout(Duration.ofSeconds(3)).build();
      Pattern mine = Pattern.compile("\"port\"\\s*:\\s*" + workerPort + "\\s*,(?:(?!\"id\").)*?\"state\"\\s*:\\s*\"ALIVE\"",
          Pattern.DOTALL);
      return () -> {
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        boolean ready = workerPort < 0 ? Pattern.compile("\"status\"\\s*:\\s*\"ALIVE\"").matcher(body).find()
            : mine.matcher(body).find();
        if (!ready) {
          throw new IllegalStateException("not ALIVE at the master yet");
        }
      };
    }
  }
}
