package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Beacon's streaming aggregation: Structured Streaming from Kafka {@code beacon.hits} into Cassandra
 * {@code agg_buckets}, exactly once (checkpointed Kafka offsets + fenced idempotent row writes, see
 * {@link CassandraSink}).
 *
 * <p>Usage: {@code AggregationJob [--key=value | --key value ...]} (options: {@link JobConfig.Options};
 * {@code --help}, {@code --version}). Exit codes: 0 stopped cleanly (SIGTERM), 1 Kafka or Cassandra
 * unreachable or not set up at start, 2 bad arguments, 3 the query failed (it resumes from its checkpoint on
 * the next start).
 */
public final class AggregationJob {

  private static final Logger LOG = LoggerFactory.getLogger(AggregationJob.class);

  private AggregationJob() {
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv()).execute(args));
  }

  /**
   * The job's command line: picocli runs {@link Command} (checks, then the query) and turns its answer into
   * the exit code; --help and --version print and exit 0 without starting anything; bad arguments print
   * picocli's message on stderr and exit 2.
   */
  static CommandLine commandLine(Map<String, String> env) {
    return JobConfig.commandLine(new Command(), env);
  }

  @CommandLine.Command(name = "beacon-spark-job", mixinStandardHelpOptions = true, versionProvider = Version.class,
      sortOptions = false, showDefaultValues = true,
      description = {"Beacon's streaming aggregation: Kafka beacon.hits -> Cassandra agg_buckets, exactly once.",
          "Every option not given is read from BEACON_SPARK_<OPTION> if set (upper case, dashes as"
              + " underscores: --kafka-bootstrap -> BEACON_SPARK_KAFKA_BOOTSTRAP), else its default.",
          ""},
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:stopped cleanly (SIGTERM), or --help / --version",
          "1:Kafka or Cassandra unreachable or not set up at start",
          "2:bad arguments",
          "3:the query failed (it resumes from its checkpoint on the next start)"})
  static final class Command implements Callable<Integer> {

    @CommandLine.Mixin
    JobConfig.Options options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      // A value picocli's types do not check: ParameterException, which picocli answers like a parse error.
      return start(options.toConfig(spec.commandLine()));
    }
  }

  /** Version of the job and of the Spark and Scala it was built for (filtered at build time). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      Properties props = new Properties();
      try (var in = AggregationJob.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          props.load(in);
        }
      }
      return new String[] {"beacon-spark-job " + props.getProperty("version", "(unknown)"),
          "built for Spark " + props.getProperty("spark", "?") + " (Scala " + props.getProperty("scala", "?")
              + "), running on Java " + Runtime.version()};
    }
  }

  /** Checks Kafka and Cassandra, then runs the query; returns the exit code. */
  static int start(JobConfig config) {
    LOG.info("starting: {}", config);
    try {
      checkKafka(config);
      checkCassandra(config);
    } catch (RuntimeException e) {
      LOG.error("cannot start: {}", e.getMessage());
      System.err.println("beacon-spark-job: cannot start: " + e.getMessage());
      return 1;
    }
    return run(config);
  }

  /** Runs the query until it stops; returns the exit code. */
  static int run(JobConfig config) {
    SparkSession.Builder builder = SparkSession.builder().appName("beacon-aggregation")
        .config("spark.sql.shuffle.partitions", config.shufflePartitions)
        .config("spark.sql.streaming.metricsEnabled", true);
    if (config.stateStore.equals("rocksdb")) {
      // The de-duplication state is one row per hit of the last window: off-heap in RocksDB, not in the
      // executor heap, and checkpointed as a changelog per batch rather than a snapshot of every file.
      builder.config("spark.sql.streaming.stateStore.providerClass",
              "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider")
          .config("spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", true);
    }
    if (!config.sparkAuthSecret.isEmpty()) {
      builder.config("spark.authenticate", true).config("spark.authenticate.secret", config.sparkAuthSecret);
    }
    if (!config.master.isEmpty()) {
      builder.master(config.master)
          .config("spark.ui.enabled", false)
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1");
    }
    JobMetrics metrics = new JobMetrics();
    // The metrics port first: Spark's driver and block manager then take free ports of their own, and one of those
    // could otherwise be the port asked for here (seen: a scrape answered "Too large frame" by the shuffle server).
    try {
      if (config.metricsPort > 0) {
        metrics.serve(config.metricsPort);
        LOG.info("progress metrics on http://127.0.0.1:{}/metrics", config.metricsPort);
      }
    } catch (Exception e) {
      LOG.error("cannot serve metrics on port {}: {}", config.metricsPort, e.toString());
      return 1;
    }
    SparkSession spark = builder.getOrCreate();
    spark.streams().addListener(metrics);
    try {
      DataStreamReader reader = spark.readStream().format("kafka");
      // SASL settings, if any; Spark redacts the JAAS line (it holds "password") in its UI and logs.
      config.kafkaSecurity().forEach((k, v) -> reader.option("kafka." + k, v));
      Dataset<Row> records = reader
          .option("kafka.bootstrap.servers", config.kafkaBootstrap)
          .option("subscribe", config.topic)
          .option("startingOffsets", config.startingOffsets)
          .option("maxOffsetsPerTrigger", config.maxOffsetsPerTrigger)
          // Data Kafka deleted before it was read is a loss: stop rather than skip it silently.
          .option("failOnDataLoss", "true")
          .load();
      BatchAggregator aggregator = new BatchAggregator(config, metrics);
      // Each record's JSON is decoded once, here: the hit's columns and its de-duplication key in one pass.
      Dataset<Row> decoded = HitDecoder.apply(records, !config.dedupWindow.isZero());
      // De-duplicated, then through each client's session state: what comes out is counted.
      StreamingQuery query = SessionScopes.apply(Dedup.apply(decoded, config.dedupWindow), config).writeStream()
          .queryName("beacon-aggregation")
          .option("checkpointLocation", config.checkpoint)
          .trigger(Trigger.ProcessingTime(config.trigger))
          .foreachBatch((VoidFunction2<Dataset<Row>, Long>) aggregator::process)
          .start();
      LOG.info("query {} (run {}) started; checkpoint {}", query.id(), query.runId(), config.checkpoint);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          query.stop();
        } catch (Exception e) {
          // stopping anyway
        }
      }, "beacon-spark-stop"));
      query.awaitTermination();
      if (query.exception().isDefined()) {
        LOG.error("query failed; it resumes from {} on the next start", config.checkpoint, query.exception().get());
        return 3;
      }
      return 0;
    } catch (Exception e) {
      LOG.error("query failed; it resumes from {} on the next start", config.checkpoint, e);
      return 3;
    } finally {
      metrics.stop();
      spark.stop();
    }
  }

  private static void checkKafka(JobConfig config) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap);
    props.putAll(config.kafkaSecurity());
    int timeout = (int) config.startupTimeout.toMillis();
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeout, 10_000));
    try (Admin admin = Admin.create(props)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout)).nodes()
          .get(timeout, TimeUnit.MILLISECONDS);
      Set<String> topics = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
      if (!topics.contains(config.topic)) {
        throw new IllegalStateException("Kafka at " + config.kafkaBootstrap + " has no topic " + config.topic
            + " (a Beacon node creates it at start)");
      }
    } catch (IllegalStateException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Kafka unreachable at " + config.kafkaBootstrap + " within "
          + config.startupTimeout + ": " + e, e);
    }
  }

  private static void checkCassandra(JobConfig config) {
    try (CqlSession session = Clients.openCassandra(config, config.startupTimeout)) {
      var rs = session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = '"
          + config.keyspace + "' AND table_name IN ('agg_buckets', 'properties')");
      if (rs.all().size() < 2) {
        throw new IllegalStateException("Cassandra keyspace " + config.keyspace + " lacks agg_buckets or properties"
            + " (a Beacon node creates them at start, schema/cassandra.cql)");
      }
    } catch (IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalStateException("Cassandra unreachable at " + config.cassandraContactPoints + " within "
          + config.startupTimeout + ": " + e.getMessage(), e);
    }
  }
}
