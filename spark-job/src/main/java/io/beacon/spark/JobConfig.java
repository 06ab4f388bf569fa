package io.beacon.spark;

import io.beacon.model.aggregation.Lateness;
import io.beacon.store.topic.Topics;
import java.io.PrintWriter;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Settings of the aggregation job, from the command line ({@code --key=value} or {@code --key value}, parsed
 * by picocli, see {@link Options}), else environment variables {@code BEACON_SPARK_<KEY>} (the option's name
 * upper-cased, dashes as underscores: {@code --kafka-bootstrap} -> {@code BEACON_SPARK_KAFKA_BOOTSTRAP}), else
 * defaults. A later option wins over an earlier one. Serializable: executors get a copy to open their own
 * Cassandra and Kafka clients.
 */
public final class JobConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Prefix of the environment variables that stand in for options not given. */
  static final String ENV_PREFIX = "BEACON_SPARK_";

  final String kafkaBootstrap;
  final String topic;
  final String startingOffsets;
  final long maxOffsetsPerTrigger;
  final List<String> cassandraContactPoints;
  final String cassandraLocalDc;
  final String keyspace;
  final String checkpoint;
  /** Empty: whatever spark-submit set; e.g. "local[2]" for the run command and the tests. */
  final String master;
  final String trigger;
  final int shufflePartitions;
  final Duration maxLateness;
  /** Port of the Prometheus endpoint on 127.0.0.1; 0 = off. */
  final int metricsPort;
  final Duration startupTimeout;
  /** Read-merge-write chunks (see CassandraSink) in flight per task. */
  final int writeConcurrency;
  /** How long a failed Cassandra write is retried before the micro-batch fails. */
  final Duration writeRetryTimeout;
  /** Copies of a hit (same property, client and request id) within this much Kafka time count once. */
  final Duration dedupWindow;
  /** State store provider of the de-duplication: "rocksdb" or "hdfs". */
  final String stateStore;
  /** The job's Kafka user (SASL); empty: no authentication (the local stack). */
  final String kafkaSaslUsername;
  final String kafkaSaslMechanism;
  /** Read on the driver from --kafka-sasl-password-file; shipped to the executors with the rest of the config. */
  final String kafkaSaslPassword;
  /** The job's Cassandra role; empty: no authentication. */
  final String cassandraUsername;
  final String cassandraPassword;
  /** spark.authenticate's shared secret (from --spark-auth-secret-file), or empty: not set by the job. */
  final String sparkAuthSecret;
  /** A client's open sessions are counted once no event of it arrived for this long (processing time). */
  final Duration sessionSettle;
  /** How long a settled session's summary is kept for late events (processing time after its last one). */
  final Duration sessionRetention;
  /** How long a client's first visit is remembered in the job's state after its last event. */
  final Duration clientMemory;
  /** Values of a dimension with rows of their own per property and local day (CardinalityCap); 0: no cap. */
  final int maxValuesPerDimension;

  /** @throws IllegalArgumentException naming the option of a bad value */
  private JobConfig(Options o) {
    kafkaBootstrap = o.kafkaBootstrap;
    topic = o.topic;
    startingOffsets = o.startingOffsets;
    maxOffsetsPerTrigger = o.maxOffsetsPerTrigger;
    cassandraContactPoints = List.of(o.cassandraContactPoints.split(","));
    cassandraLocalDc = o.cassandraLocalDc;
    keyspace = o.keyspace;
    checkpoint = o.checkpoint;
    master = o.master;
    trigger = o.trigger;
    shufflePartitions = o.shufflePartitions;
    maxLateness = o.maxLateness;
    metricsPort = o.metricsPort;
    startupTimeout = o.startupTimeout;
    writeConcurrency = o.writeConcurrency;
    writeRetryTimeout = o.writeRetryTimeout;
    dedupWindow = o.dedupWindow;
    if (dedupWindow.isNegative()) {
      throw new IllegalArgumentException("'--dedup-window': negative: " + dedupWindow);
    }
    stateStore = o.stateStore;
    sessionSettle = o.sessionSettle;
    sessionRetention = o.sessionRetention;
    clientMemory = o.clientMemory;
    maxValuesPerDimension = o.maxValuesPerDimension;
    if (maxValuesPerDimension < 0 || maxValuesPerDimension > 1_000_000) {
      throw new IllegalArgumentException("'--max-values-per-dimension': must be 0-1000000 (0: no cap): "
          + maxValuesPerDimension);
    }
    kafkaSaslUsername = o.kafkaSaslUsername;
    kafkaSaslMechanism = o.kafkaSaslMechanism;
    kafkaSaslPassword = secret(o.kafkaSaslPasswordFile, "--kafka-sasl-password-file");
    cassandraUsername = o.cassandraUsername;
    cassandraPassword = secret(o.cassandraPasswordFile, "--cassandra-password-file");
    sparkAuthSecret = secret(o.sparkAuthSecretFile, "--spark-auth-secret-file");
    if (!kafkaSaslMechanism.matches("SCRAM-SHA-512|SCRAM-SHA-256|PLAIN")) {
      throw new IllegalArgumentException("'--kafka-sasl-mechanism': SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN, not "
          + kafkaSaslMechanism);
    }
    if (kafkaSaslUsername.isEmpty() != kafkaSaslPassword.isEmpty()) {
      throw new IllegalArgumentException("'--kafka-sasl-username' and '--kafka-sasl-password-file': give both or "
          + "neither");
    }
    if (cassandraUsername.isEmpty() != cassandraPassword.isEmpty()) {
      throw new IllegalArgumentException("'--cassandra-username' and '--cassandra-password-file': give both or "
          + "neither");
    }
    if (sessionSettle.isNegative() || sessionSettle.isZero()) {
      throw new IllegalArgumentException("'--session-settle': must be positive: " + sessionSettle);
    }
    if (sessionRetention.compareTo(maxLateness) < 0) {
      throw new IllegalArgumentException("'--session-retention': must be at least --max-lateness (" + maxLateness
          + "), so a late event finds its session: " + sessionRetention);
    }
    if (clientMemory.compareTo(sessionRetention) < 0) {
      throw new IllegalArgumentException("'--client-memory': must be at least --session-retention: " + clientMemory);
    }
    if (!stateStore.equals("rocksdb") && !stateStore.equals("hdfs")) {
      throw new IllegalArgumentException("'--state-store': rocksdb or hdfs, not " + stateStore);
    }
    if (!keyspace.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
      throw new IllegalArgumentException("'--keyspace': not a CQL identifier: " + keyspace);
    }
  }

  /**
   * The content of a secret file (a trailing newline dropped), or "" when no file is named.
   *
   * @throws IllegalArgumentException naming the option and the path, never the content
   */
  static String secret(String file, String option) {
    if (file == null || file.isEmpty()) {
      return "";
    }
    java.nio.file.Path path = java.nio.file.Path.of(file);
    String content;
    try {
      content = java.nio.file.Files.readString(path).replaceAll("[\\r\\n]+$", "");
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalArgumentException("'" + option + "': " + path + ": no such file", e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("'" + option + "': " + path + ": cannot read (" + e.getClass().getSimpleName()
          + ")", e);
    }
    if (content.isEmpty()) {
      throw new IllegalArgumentException("'" + option + "': " + path + ": is empty");
    }
    return content;
  }

  /**
   * The Kafka clients' security settings (no bootstrap): SASL over the plaintext listener with the job's user, or
   * none. The Kafka source takes them with a "kafka." prefix.
   */
  Map<String, String> kafkaSecurity() {
    if (kafkaSaslUsername.isEmpty()) {
      return Map.of();
    }
    String module = kafkaSaslMechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", kafkaSaslMechanism,
        "sasl.jaas.config", module + " required username=\"" + jaas(kafkaSaslUsername) + "\" password=\""
            + jaas(kafkaSaslPassword) + "\";");
  }

  private static String jaas(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /**
   * Parses {@code args} with {@code env} as the fallback of options not given (no help or version options:
   * that is {@link AggregationJob}'s command).
   *
   * @throws ParameterException naming every unknown option or bad value (picocli's message)
   */
  static JobConfig parse(String[] args, Map<String, String> env) {
    Options options = new Options();
    CommandLine cli = commandLine(options, env);
    cli.parseArgs(args);
    return options.toConfig(cli);
  }

  /** picocli for {@code command} (with {@link Options} or mixing them in): environment fallback, last one wins. */
  static CommandLine commandLine(Object command, Map<String, String> env) {
    return new CommandLine(command)
        .setDefaultValueProvider(new EnvironmentDefaults(env))
        // A later --key wins, as the devstack relies on (SparkJobServer appends its callers' options).
        .setOverwrittenOptionsAllowed(true)
        .setParameterExceptionHandler(JobConfig::badArguments);
  }

  /** Bad arguments: picocli's message (and its suggestions for a mistyped option) on stderr, exit code 2. */
  private static int badArguments(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    PrintWriter err = cli.getErr();
    err.println(cli.getCommandName() + ": " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cli.getCommandName() + " --help' for the options.");
    err.flush();
    return cli.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** {@code --kafka-bootstrap} -> {@code BEACON_SPARK_KAFKA_BOOTSTRAP}. */
  static String environmentVariable(String optionName) {
    String key = optionName.startsWith("--") ? optionName.substring(2) : optionName;
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * The default of an option not given: {@code BEACON_SPARK_<KEY>} if set, else (null) the option's own
   * default. Never for --help and --version.
   */
  static final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {

    private final Map<String, String> env;

    EnvironmentDefaults(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
        return null;
      }
      return env.get(environmentVariable(option.longestName()));
    }
  }

  /** The options, as picocli fills them; {@link #toConfig} checks them. */
  static final class Options {

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT[,...]", defaultValue = "127.0.0.1:9092",
        description = "Kafka bootstrap servers.")
    String kafkaBootstrap;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.HITS,
        description = "The hits topic.")
    String topic;

    @Option(names = "--starting-offsets", paramLabel = "OFFSETS", defaultValue = "earliest",
        description = "Where a new checkpoint starts reading: earliest, latest or Spark's JSON of offsets per"
            + " partition. Ignored once the checkpoint has offsets.")
    String startingOffsets;

    @Option(names = "--max-offsets-per-trigger", paramLabel = "N", defaultValue = "500000",
        description = "Kafka records per micro-batch at most.")
    long maxOffsetsPerTrigger;

    @Option(names = "--cassandra-contact-points", paramLabel = "HOST:PORT[,...]", defaultValue = "127.0.0.1:9042",
        description = "Cassandra contact points.")
    String cassandraContactPoints;

    @Option(names = "--cassandra-local-dc", paramLabel = "DC", defaultValue = "datacenter1",
        description = "Cassandra local data center.")
    String cassandraLocalDc;

    @Option(names = "--keyspace", paramLabel = "KEYSPACE", defaultValue = "beacon",
        description = "Cassandra keyspace with agg_buckets and properties.")
    String keyspace;

    @Option(names = "--checkpoint", paramLabel = "DIR|URI", defaultValue = "data/spark-checkpoint",
        description = "Streaming checkpoint (local dir, HDFS or S3 URI); never delete it while the aggregates"
            + " are kept.")
    String checkpoint;

    @Option(names = "--master", paramLabel = "MASTER", defaultValue = "",
        description = "Spark master, e.g. local[2]; empty: whatever spark-submit set.")
    String master;

    @Option(names = "--trigger", paramLabel = "INTERVAL", defaultValue = "5 seconds",
        description = "Micro-batch interval (Spark's processing-time trigger).")
    String trigger;

    // Like --state-store, fixed by a checkpoint's first run (the number of state partitions).
    @Option(names = "--shuffle-partitions", paramLabel = "N", defaultValue = "2",
        description = "spark.sql.shuffle.partitions: state partitions of the de-duplication and writer tasks.")
    int shufflePartitions;

    // Not a constant expression, so the field's initial value is the default.
    @Option(names = "--max-lateness", paramLabel = "DURATION",
        description = "Hits later than this (received_at - ts) go to the dirty buckets (ISO-8601).")
    Duration maxLateness = Lateness.MAX_LATENESS;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
        description = "Prometheus endpoint on 127.0.0.1:PORT/metrics; 0: off.")
    int metricsPort;

    @Option(names = "--startup-timeout", paramLabel = "DURATION", defaultValue = "PT30S",
        description = "How long the start waits for Kafka and Cassandra (ISO-8601).")
    Duration startupTimeout;

    // Chunks of ~32 rows of up to ~50 KB in flight per task: 8 keep a local Cassandra's few write and read
    // threads busy without piling up responses in its heap (64 ran a 512 MB node out of memory).
    @Option(names = "--write-concurrency", paramLabel = "N", defaultValue = "8",
        description = "Read-merge-write chunks in flight per task.")
    int writeConcurrency;

    @Option(names = "--write-retry-timeout", paramLabel = "DURATION", defaultValue = "PT3M",
        description = "How long a failed Cassandra write is retried before the batch fails (ISO-8601).")
    Duration writeRetryTimeout;

    // A client's retry after a collector crash is produced again within seconds to minutes; PT0S turns the
    // de-duplication off (no state, no extra shuffle).
    @Option(names = "--dedup-window", paramLabel = "DURATION", defaultValue = "PT15M",
        description = "Copies of a hit (property, client, request id) within this much Kafka time count once"
            + " (ISO-8601); PT0S: off.")
    Duration dedupWindow;

    // rocksdb (off-heap, changelog checkpoints) or hdfs (Spark's default: the whole state in the heap).
    // Like shuffle-partitions (the number of state partitions), fixed by a checkpoint's first run: Spark
    // restores both from the checkpoint and ignores a different value later.
    @Option(names = "--state-store", paramLabel = "rocksdb|hdfs", defaultValue = "rocksdb",
        description = "State store of the de-duplication: rocksdb (off-heap) or hdfs (Spark's default, in the"
            + " heap).")
    String stateStore;

    // GA4's session timeout: a session quiet this long is over for in-order traffic, so its whole-session facts
    // (engagement, attribution, landing page) are final when the stream counts it. Tests use seconds.
    @Option(names = "--session-settle", paramLabel = "DURATION", defaultValue = "PT30M",
        description = "A client's sessions are counted once no event of it arrived for this long (ISO-8601).")
    Duration sessionSettle;

    @Option(names = "--session-retention", paramLabel = "DURATION", defaultValue = "PT73H",
        description = "How long a counted session is remembered for its late events (ISO-8601; at least"
            + " --max-lateness).")
    Duration sessionRetention;

    // GA's first-visit cookie lives about two years; the first_visits table keeps it beyond this too.
    @Option(names = "--client-memory", paramLabel = "DURATION", defaultValue = "P400D",
        description = "How long the job's state remembers a client's first visit after its last event"
            + " (ISO-8601).")
    Duration clientMemory;

    // As recompute.maxValuesPerDimension on the nodes (the same number: recompute makes a capped day final).
    @Option(names = "--max-values-per-dimension", paramLabel = "N",
        defaultValue = "" + io.beacon.model.aggregation.CardinalityCap.DEFAULT_MAX_VALUES,
        description = "Values of a dimension with rows of their own per property and local day; newer ones count"
            + " under (other) and the day goes to recompute, which keeps the day's top N. 0: no cap.")
    int maxValuesPerDimension;

    @Option(names = "--kafka-sasl-username", paramLabel = "USER", defaultValue = "",
        description = "The job's Kafka user (SASL); empty: no authentication.")
    String kafkaSaslUsername;

    @Option(names = "--kafka-sasl-mechanism", paramLabel = "MECHANISM", defaultValue = "SCRAM-SHA-512",
        description = "SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.")
    String kafkaSaslMechanism;

    @Option(names = "--kafka-sasl-password-file", paramLabel = "FILE", defaultValue = "",
        description = "File holding the Kafka user's password (a secret; read by the driver).")
    String kafkaSaslPasswordFile;

    @Option(names = "--cassandra-username", paramLabel = "ROLE", defaultValue = "",
        description = "The job's Cassandra role; empty: no authentication.")
    String cassandraUsername;

    @Option(names = "--cassandra-password-file", paramLabel = "FILE", defaultValue = "",
        description = "File holding the Cassandra role's password (a secret; read by the driver).")
    String cassandraPasswordFile;

    // spark-submit keeps spark.authenticate.secret from a driver that a standalone worker launches (cluster mode),
    // so the driver reads it itself, into its SparkConf before the session starts.
    @Option(names = "--spark-auth-secret-file", paramLabel = "FILE", defaultValue = "",
        description = "File holding the cluster's spark.authenticate secret; sets spark.authenticate in the job.")
    String sparkAuthSecretFile;

    /** @throws ParameterException on a value picocli's types do not check */
    JobConfig toConfig(CommandLine cli) {
      try {
        return new JobConfig(this);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cli, "Invalid value for option " + e.getMessage(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "kafka=" + kafkaBootstrap + " topic=" + topic + " cassandra=" + cassandraContactPoints + " keyspace="
        + keyspace + " checkpoint=" + checkpoint + " master=" + (master.isEmpty() ? "(spark-submit)" : master)
        + " trigger=" + trigger + " maxOffsetsPerTrigger=" + maxOffsetsPerTrigger + " maxLateness=" + maxLateness
        + " dedupWindow=" + dedupWindow + " stateStore=" + stateStore + " sessionSettle=" + sessionSettle
        + " sessionRetention=" + sessionRetention + " clientMemory=" + clientMemory
        + " maxValuesPerDimension=" + maxValuesPerDimension
        + " kafkaUser=" + (kafkaSaslUsername.isEmpty() ? "(none)" : kafkaSaslUsername)
        + " cassandraUser=" + (cassandraUsername.isEmpty() ? "(none)" : cassandraUsername)
        + " sparkAuthenticate=" + !sparkAuthSecret.isEmpty();
  }
}
