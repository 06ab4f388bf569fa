package io.beacon.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class JobConfigTest {

  @Test
  void defaults() {
    JobConfig c = JobConfig.parse(new String[0], Map.of());
    assertThat(c.kafkaBootstrap).isEqualTo("127.0.0.1:9092");
    assertThat(c.topic).isEqualTo("beacon.hits");
    assertThat(c.startingOffsets).isEqualTo("earliest");
    assertThat(c.maxOffsetsPerTrigger).isEqualTo(500_000);
    assertThat(c.cassandraContactPoints).containsExactly("127.0.0.1:9042");
    assertThat(c.cassandraLocalDc).isEqualTo("datacenter1");
    assertThat(c.keyspace).isEqualTo("beacon");
    assertThat(c.checkpoint).isEqualTo("data/spark-checkpoint");
    assertThat(c.master).isEmpty();
    assertThat(c.trigger).isEqualTo("5 seconds");
    assertThat(c.shufflePartitions).isEqualTo(2);
    assertThat(c.maxLateness).isEqualTo(Duration.ofHours(72));
    assertThat(c.metricsPort).isZero();
    assertThat(c.startupTimeout).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.writeConcurrency).isEqualTo(8);
    assertThat(c.writeRetryTimeout).isEqualTo(Duration.ofMinutes(3));
    assertThat(c.dedupWindow).isEqualTo(Duration.ofMinutes(15));
    assertThat(c.stateStore).isEqualTo("rocksdb");
    assertThat(c.maxValuesPerDimension).isEqualTo(1000);
  }

  @Test
  void environmentNames() {
    assertThat(JobConfig.environmentVariable("--kafka-bootstrap")).isEqualTo("BEACON_SPARK_KAFKA_BOOTSTRAP");
    assertThat(JobConfig.environmentVariable("--max-offsets-per-trigger"))
        .isEqualTo("BEACON_SPARK_MAX_OFFSETS_PER_TRIGGER");
  }

  @Test
  void environmentStandsInForOptionsNotGiven() {
    Map<String, String> env = Map.of(
        "BEACON_SPARK_KAFKA_BOOTSTRAP", "kafka:9092",
        "BEACON_SPARK_MAX_OFFSETS_PER_TRIGGER", "1000",
        "BEACON_SPARK_CASSANDRA_CONTACT_POINTS", "a:9042,b:9042",
        "BEACON_SPARK_MAX_LATENESS", "PT1H", // an option whose default is the field's initial value
        "BEACON_SPARK_MASTER", "local[2]",
        "BEACON_SPARK_TRIGGER", "2 seconds",
        "BEACON_SPARK_KEYSPACE", "from_env");
    JobConfig c = JobConfig.parse(new String[] {"--keyspace=from_args"}, env);
    assertThat(c.kafkaBootstrap).isEqualTo("kafka:9092");
    assertThat(c.maxOffsetsPerTrigger).isEqualTo(1000);
    assertThat(c.cassandraContactPoints).isEqualTo(List.of("a:9042", "b:9042"));
    assertThat(c.maxLateness).isEqualTo(Duration.ofHours(1));
    assertThat(c.master).isEqualTo("local[2]");
    assertThat(c.trigger).isEqualTo("2 seconds");
    assertThat(c.keyspace).as("an option given wins over the environment").isEqualTo("from_args");
    assertThat(c.topic).as("neither given nor in the environment").isEqualTo("beacon.hits");
  }

  @Test
  void bothSpellingsAndTheLastOneWins() {
    JobConfig c = JobConfig.parse(new String[] {"--metrics-port", "9465", "--trigger=1 second",
        "--keyspace=first", "--keyspace", "second", "--master=", "--dedup-window=PT0S"}, Map.of());
    assertThat(c.metricsPort).isEqualTo(9465);
    assertThat(c.trigger).isEqualTo("1 second");
    assertThat(c.keyspace).isEqualTo("second");
    assertThat(c.master).isEmpty();
    assertThat(c.dedupWindow).isZero();
  }

  @Test
  void badArguments() {
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--nope=1"}, Map.of()))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--nope");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"kafka:9092"}, Map.of()))
        .isInstanceOf(ParameterException.class);
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--metrics-port=x"}, Map.of()))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--metrics-port");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--state-store=memory"}, Map.of()))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--state-store");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--dedup-window=-PT1S"}, Map.of()))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--dedup-window");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--keyspace=a;b"}, Map.of()))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--keyspace");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--max-values-per-dimension=-1"}, Map.of()))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--max-values-per-dimension");
    assertThatThrownBy(() -> JobConfig.parse(new String[0], Map.of("BEACON_SPARK_WRITE_CONCURRENCY", "many")))
        .isInstanceOf(ParameterException.class).hasMessageContaining("--write-concurrency");
  }

  @Test
  void helpVersionAndBadArgumentsExitWithoutStarting() {
    // BEACON_SPARK_HELP must not turn --help on; the job is never started here (it would exit 1: no Kafka).
    Map<String, String> env = Map.of("BEACON_SPARK_HELP", "true", "BEACON_SPARK_VERSION", "true");
    assertThat(run(env, "--help")).startsWith("0\n").contains("Usage: beacon-spark-job", "--kafka-bootstrap",
        "BEACON_SPARK_", "Default: 127.0.0.1:9092");
    assertThat(run(env, "--version")).startsWith("0\n").contains("beacon-spark-job ");
    assertThat(run(env, "--bogus")).startsWith("2\n").contains("Unknown option: '--bogus'");
    assertThat(run(env, "--write-concurrency=0x")).startsWith("2\n").contains("--write-concurrency");
  }

  /** Exit code, then what the command printed on stdout and stderr. */
  private static String run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = AggregationJob.commandLine(env);
    cli.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(out, true));
    int code = cli.execute(args);
    return code + "\n" + out;
  }

  @Test
  void credentialsFromSecretFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path kafka = java.nio.file.Files.writeString(dir.resolve("kafka"), "k-pass\n");
    java.nio.file.Path cassandra = java.nio.file.Files.writeString(dir.resolve("cassandra"), "c-pass");
    java.nio.file.Path spark = java.nio.file.Files.writeString(dir.resolve("spark"), "s-secret\n");
    JobConfig c = JobConfig.parse(new String[] {"--kafka-sasl-username=beacon-spark",
        "--cassandra-username=beacon_spark", "--cassandra-password-file=" + cassandra,
        "--spark-auth-secret-file=" + spark}, Map.of("BEACON_SPARK_KAFKA_SASL_PASSWORD_FILE", kafka.toString()));
    assertThat(c.kafkaSecurity()).containsOnly(Map.entry("security.protocol", "SASL_PLAINTEXT"),
        Map.entry("sasl.mechanism", "SCRAM-SHA-512"), Map.entry("sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"beacon-spark\" "
                + "password=\"k-pass\";"));
    assertThat(c.cassandraPassword).isEqualTo("c-pass");
    assertThat(c.sparkAuthSecret).isEqualTo("s-secret");
    assertThat(c.toString()).doesNotContain("pass").doesNotContain("s-secret");
    assertThat(JobConfig.parse(new String[0], Map.of()).kafkaSecurity()).isEmpty();
  }

  @Test
  void aMissingOrEmptySecretFileOrAUserWithoutPasswordIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--kafka-sasl-username=u",
        "--kafka-sasl-password-file=" + missing}, Map.of()))
        .isInstanceOf(ParameterException.class)
        .hasMessage("Invalid value for option '--kafka-sasl-password-file': " + missing + ": no such file");
    java.nio.file.Path empty = java.nio.file.Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--cassandra-username=u",
        "--cassandra-password-file=" + empty}, Map.of()))
        .isInstanceOf(ParameterException.class)
        .hasMessage("Invalid value for option '--cassandra-password-file': " + empty + ": is empty");
    assertThatThrownBy(() -> JobConfig.parse(new String[] {"--cassandra-username=u"}, Map.of()))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("'--cassandra-username' and '--cassandra-password-file': give both or neither");
  }
}
