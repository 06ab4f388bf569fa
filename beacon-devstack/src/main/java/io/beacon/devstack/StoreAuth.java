package io.beacon.devstack;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.servererrors.UnauthorizedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The stores' authentication as {@code docker-compose.yml} sets it, run by the rehearsal (issue 18, item 4):
 * <ul>
 *   <li>the secrets: every secret compose declares gets a random value in {@code <run>/secrets/<name>} (mode 600),
 *   and a {@code /run/secrets/<name>} path of compose becomes that file; the secrets whose compose file lies in
 *   {@code deploy/secrets/cluster/} (the nodes' mutual TLS) are made by {@code beacon cluster-certs}' code
 *   instead, file for file;</li>
 *   <li>Kafka: compose's {@code KAFKA_*} security settings must equal what {@link KafkaServer} writes, its SCRAM users
 *   ({@code BEACON_KAFKA_SCRAM_USERS}) are created at format time, and the ACLs of {@code deploy/kafka/acls.txt}
 *   (compose's kafka-init applies the same file) are created once the brokers answer;</li>
 *   <li>Cassandra: PasswordAuthenticator and CassandraAuthorizer (compose's {@code BEACON_CASSANDRA_AUTHENTICATOR} /
 *   {@code _AUTHORIZER}), then {@code deploy/cassandra/auth-setup.cql} as the default superuser and {@code
 *   auth-roles.cql} as beacon_admin (compose's cassandra-init runs the same files);</li>
 *   <li>QuestDB: compose's user ({@code QDB_PG_USER} = {@code QDB_HTTP_USER}) with the {@code questdb_password}
 *   secret;</li>
 *   <li>Spark: the {@code spark_auth_secret} secret, and the job's credentials from compose's {@code spark-job}
 *   environment.</li>
 * </ul>
 * A difference between compose and what the rehearsal runs stops the rehearsal ({@link #read}, and {@code
 * ComposeNodesTest} without servers). {@link #refusals} shows that a client without the credentials is refused.
 */
final class StoreAuth {
  static final String ACLS = "deploy/kafka/acls.txt";
  static final String CASSANDRA_SETUP = "deploy/cassandra/auth-setup.cql";
  static final String CASSANDRA_ROLES = "deploy/cassandra/auth-roles.cql";
  static final String SECRETS_MOUNT = "/run/secrets/";
  /** Secrets whose reader keeps a trailing newline (Alertmanager 0.25's smtp_auth_password_file): written without. */
  static final java.util.Set<String> READ_VERBATIM = java.util.Set.of("alertmanager_smtp_password");
  /** What CassandraServer.withAuth writes into cassandra.yaml; compose's entrypoint sets the same. */
  static final Map<String, String> CASSANDRA_ENV = Map.of("BEACON_CASSANDRA_AUTHENTICATOR", "PasswordAuthenticator",
      "BEACON_CASSANDRA_AUTHORIZER", "CassandraAuthorizer");
  static final String CASSANDRA_ADMIN = "beacon_admin";
  /** The job's settings in compose's spark-job environment that the rehearsal passes as its options. */
  static final List<String> SPARK_JOB_CREDENTIALS = List.of("BEACON_SPARK_KAFKA_SASL_USERNAME",
      "BEACON_SPARK_KAFKA_SASL_PASSWORD_FILE", "BEACON_SPARK_CASSANDRA_USERNAME", "BEACON_SPARK_CASSANDRA_PASSWORD_FILE",
      "BEACON_SPARK_SPARK_AUTH_SECRET_FILE");

  /**
   * What compose declares.
   *
   * @param secrets     every top-level secret's name
   * @param kafkaEnv    kafka-1's environment
   * @param scramUsers  Kafka user -> the name of the secret holding its password
   * @param questdbUser QuestDB's user (PG and HTTP)
   * @param sparkJobEnv spark-job's credential settings ({@link #SPARK_JOB_CREDENTIALS})
   * @param clusterFiles secret name -> its file in {@link #CLUSTER_CERTS} ({@code beacon-1.p12}, ...)
   */
  record Compose(List<String> secrets, Map<String, String> kafkaEnv, Map<String, String> scramUsers,
                 String controllerSecret, String questdbUser, Map<String, String> sparkJobEnv,
                 Map<String, String> clusterFiles) {
  }

  /** Where compose's secrets of the cluster's mutual TLS come from (deploy/README.md: cluster-certs writes them). */
  static final String CLUSTER_CERTS = "./deploy/secrets/cluster/";

  private final Compose compose;
  private final Path dir;
  private final Map<String, String> values;

  private StoreAuth(Compose compose, Path dir, Map<String, String> values) {
    this.compose = compose;
    this.dir = dir;
    this.values = values;
  }

  // ---- compose ------------------------------------------------------------------------------------------------

  /**
   * Reads and checks compose's store authentication.
   *
   * @throws LocalStackException listing every difference from what the rehearsal runs
   */
  @SuppressWarnings("unchecked")
  static Compose read(Path composeFile, List<ComposeNodes.Node> nodes) {
    Map<String, Object> root = ComposeNodes.load(composeFile);
    Path base = composeFile.toAbsolutePath().normalize().getParent();
    Map<String, Object> services = (Map<String, Object>) root.getOrDefault("services", Map.of());
    List<String> secrets = new ArrayList<>(((Map<String, Object>) root.getOrDefault("secrets", Map.of())).keySet());
    List<String> problems = new ArrayList<>();

    Map<String, String> kafkaEnv = env(services, "kafka-1", problems);
    KafkaServer.AUTH_PROPERTIES.forEach((key, value) -> {
      String name = "KAFKA_" + key.toUpperCase().replace('.', '_');
      if (!value.equals(kafkaEnv.get(name))) {
        problems.add("kafka-1: " + name + " is '" + kafkaEnv.get(name) + "', the rehearsal's brokers run '" + value + "'");
      }
    });
    Map<String, String> scram = new LinkedHashMap<>();
    for (String pair : kafkaEnv.getOrDefault("BEACON_KAFKA_SCRAM_USERS", "").split(",")) {
      if (pair.contains("=")) {
        scram.put(pair.substring(0, pair.indexOf('=')).strip(), pair.substring(pair.indexOf('=') + 1).strip());
      }
    }
    for (String user : List.of("broker", "admin")) {
      if (!scram.containsKey(user)) {
        problems.add("kafka-1: BEACON_KAFKA_SCRAM_USERS has no user " + user + " (a super user the brokers need)");
      }
    }
    String controller = secretName(kafkaEnv.get("BEACON_KAFKA_CONTROLLER_PASSWORD_FILE"));
    for (String s : concat(scram.values(), controller == null ? List.of() : List.of(controller))) {
      if (!secrets.contains(s)) {
        problems.add("kafka-1 names the secret " + s + ", which compose does not declare");
      }
    }
    if (controller == null) {
      problems.add("kafka-1: BEACON_KAFKA_CONTROLLER_PASSWORD_FILE must name a file under " + SECRETS_MOUNT);
    }
    for (String[] acl : acls(base.resolve(ACLS))) {
      if (!scram.containsKey(acl[0])) {
        problems.add(ACLS + " grants to " + acl[0] + ", who is not a SCRAM user of compose's Kafka");
      }
    }
    for (ComposeNodes.Node node : nodes) {
      String user = node.env().get("BEACON_KAFKA_SASL_USERNAME");
      if (user == null || !scram.containsKey(user)) {
        problems.add(node.service() + ": BEACON_KAFKA_SASL_USERNAME '" + user + "' is not a SCRAM user of compose's Kafka");
      } else if (!("/run/secrets/" + scram.get(user)).equals(node.env().get("BEACON_KAFKA_SASL_PASSWORD_FILE"))) {
        problems.add(node.service() + ": BEACON_KAFKA_SASL_PASSWORD_FILE is not /run/secrets/" + scram.get(user)
            + ", the secret Kafka creates " + user + " with");
      }
      problems.addAll(mountedSecrets(services, node.service(), node.env(), secrets));
    }
    for (String service : List.of("cassandra-1", "cassandra-2", "cassandra-3")) {
      Map<String, String> env = env(services, service, problems);
      CASSANDRA_ENV.forEach((k, v) -> {
        if (!v.equals(env.get(k))) {
          problems.add(service + ": " + k + " is '" + env.get(k) + "', the rehearsal's Cassandra runs " + v);
        }
      });
    }
    Map<String, String> questdb = env(services, "questdb", problems);
    String questdbUser = questdb.get("QDB_PG_USER");
    if (questdbUser == null || !questdbUser.equals(questdb.get("QDB_HTTP_USER"))) {
      problems.add("questdb: QDB_PG_USER and QDB_HTTP_USER must name one user (the nodes have one), were "
          + questdbUser + " and " + questdb.get("QDB_HTTP_USER"));
    }
    problems.addAll(mountedSecrets(services, "questdb", questdb, secrets));
    for (ComposeNodes.Node node : nodes) {
      if (questdbUser != null && !questdbUser.equals(node.env().get("BEACON_QUESTDB_USER"))) {
        problems.add(node.service() + ": BEACON_QUESTDB_USER is not QuestDB's user " + questdbUser);
      }
      if (!Objects.equals(questdb.get("BEACON_QUESTDB_PASSWORD_FILE"), node.env().get("BEACON_QUESTDB_PASSWORD_FILE"))) {
        problems.add(node.service() + ": BEACON_QUESTDB_PASSWORD_FILE is not QuestDB's");
      }
    }
    Map<String, String> job = env(services, "spark-job", problems);
    Map<String, String> jobCredentials = new LinkedHashMap<>();
    for (String key : SPARK_JOB_CREDENTIALS) {
      if (job.get(key) == null) {
        problems.add("spark-job no longer sets " + key + ", which the rehearsal passes to the job");
      } else {
        jobCredentials.put(key, job.get(key));
      }
    }
    problems.addAll(mountedSecrets(services, "spark-job", job, secrets));
    String jobKafkaUser = job.get("BEACON_SPARK_KAFKA_SASL_USERNAME");
    if (jobKafkaUser != null && !scram.containsKey(jobKafkaUser)) {
      problems.add("spark-job: BEACON_SPARK_KAFKA_SASL_USERNAME " + jobKafkaUser + " is not a SCRAM user of Kafka");
    }
    if (!problems.isEmpty()) {
      throw new LocalStackException(composeFile + " and the rehearsal's store authentication (io.beacon.devstack."
          + "StoreAuth) disagree:\n- " + String.join("\n- ", problems));
    }
    return new Compose(List.copyOf(secrets), kafkaEnv, scram, controller, questdbUser, jobCredentials,
        clusterFiles(root));
  }

  /** The top-level secrets whose file is one of cluster-certs' files: name -> file name. */
  @SuppressWarnings("unchecked")
  static Map<String, String> clusterFiles(Map<String, Object> root) {
    Map<String, String> files = new LinkedHashMap<>();
    ((Map<String, Object>) root.getOrDefault("secrets", Map.of())).forEach((name, definition) -> {
      Object file = definition instanceof Map<?, ?> m ? m.get("file") : null;
      if (file instanceof String f && f.startsWith(CLUSTER_CERTS)) {
        files.put(name, f.substring(CLUSTER_CERTS.length()));
      }
    });
    return files;
  }

  private static List<String> concat(java.util.Collection<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> env(Map<String, Object> services, String service, List<String> problems) {
    Object definition = services.get(service);
    Map<String, String> env = new TreeMap<>();
    if (!(definition instanceof Map<?, ?> map)) {
      problems.add("no service " + service);
      return env;
    }
    Object environment = map.get("environment");
    if (environment instanceof Map<?, ?> e) {
      e.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    }
    return env;
  }

  /** Every /run/secrets/NAME a service's environment names must be a secret the service mounts. */
  @SuppressWarnings("unchecked")
  private static List<String> mountedSecrets(Map<String, Object> services, String service, Map<String, String> env,
                                             List<String> declared) {
    List<String> problems = new ArrayList<>();
    Object definition = services.get(service);
    List<Object> mounted = definition instanceof Map<?, ?> m ? (List<Object>) ((Map<String, Object>) m)
        .getOrDefault("secrets", List.of()) : List.of();
    List<String> names = mounted.stream().map(o -> o instanceof Map<?, ?> mm ? String.valueOf(mm.get("source"))
        : String.valueOf(o)).toList();
    env.forEach((k, v) -> {
      String name = secretName(v);
      if (name != null && !names.contains(name)) {
        problems.add(service + ": " + k + " names " + v + ", but the service does not mount the secret " + name);
      }
      if (name != null && !declared.contains(name)) {
        problems.add(service + ": " + k + " names the secret " + name + ", which compose does not declare");
      }
    });
    return problems;
  }

  /** "/run/secrets/x" -> "x"; anything else null. */
  static String secretName(String value) {
    return value != null && value.startsWith(SECRETS_MOUNT) && value.length() > SECRETS_MOUNT.length()
        ? value.substring(SECRETS_MOUNT.length()) : null;
  }

  /** The ACL lines: user, resource, pattern, name, operations. */
  static List<String[]> acls(Path file) {
    List<String[]> lines = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        String[] f = l.split("\\s+");
        if (f.length != 5) {
          throw new LocalStackException(file + ": not 'user resource pattern name operations': " + line);
        }
        lines.add(f);
      }
    } catch (IOException e) {
      throw new LocalStackException("cannot read " + file + ": " + e, e);
    }
    return lines;
  }

  // ---- the run's secrets --------------------------------------------------------------------------------------

  /** A random value for every secret of compose, each in {@code <run>/secrets/<name>}, readable by its owner only. */
  static StoreAuth generate(Compose compose, Path run) throws IOException {
    Path dir = Files.createDirectories(run.resolve("secrets"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Map<String, String> values = new LinkedHashMap<>();
    SecureRandom random = new SecureRandom();
    Map<String, Path> certs = clusterCerts(compose.clusterFiles(), run.resolve("cluster-certs"));
    for (String name : compose.secrets()) {
      if (certs.containsKey(name)) {
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, Files.readAllBytes(certs.get(name)));
        continue;
      }
      // Hex: safe inside JAAS quotes, CQL string literals and StorageTool's [name=..,password=..].
      String value = HexFormat.of().formatHex(random.generateSeed(18));
      Path file = dir.resolve(name);
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      // As an operator's `openssl rand -hex 18 > file` writes them (the readers drop the newline), except the one
      // Alertmanager reads: it sends the file's bytes as they are, newline included (deploy/README.md).
      Files.writeString(file, READ_VERBATIM.contains(name) ? value : value + "\n");
      values.put(name, value);
    }
    return new StoreAuth(compose, dir, values);
  }

  /**
   * The cluster's CA, trust store and node key stores, made as an operator makes compose's ({@code beacon
   * cluster-certs}) for the nodes cluster-certs' file names mention: secret name -> the file made.
   */
  private static Map<String, Path> clusterCerts(Map<String, String> clusterFiles, Path certsDir) throws IOException {
    if (clusterFiles.isEmpty()) {
      return Map.of();
    }
    List<String> nodes = clusterFiles.values().stream().filter(f -> f.endsWith(".p12") && !f.equals("truststore.p12"))
        .map(f -> f.substring(0, f.length() - ".p12".length())).distinct().toList();
    try {
      io.beacon.cli.ClusterCerts.create(certsDir, nodes, 30);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the cluster's certificates", e);
    }
    Map<String, Path> made = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : clusterFiles.entrySet()) {
      Path file = certsDir.resolve(e.getValue());
      if (!Files.isRegularFile(file)) {
        throw new LocalStackException("compose's secret " + e.getKey() + " names " + CLUSTER_CERTS + e.getValue()
            + ", which beacon cluster-certs does not make (its files: ca.p12, truststore.p12/.password, NODE.p12/.password)");
      }
      made.put(e.getKey(), file);
    }
    return made;
  }

  /** The rehearsal's file for a compose value naming a secret ("/run/secrets/x"), else the value unchanged. */
  String localize(String composeValue) {
    String name = secretName(composeValue);
    return name == null ? composeValue : dir.resolve(name).toString();
  }

  String secret(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("compose declares no secret " + name);
    }
    return v;
  }

  KafkaServer.Auth kafka() {
    Map<String, String> passwords = new LinkedHashMap<>();
    compose.scramUsers().forEach((user, secretName) -> passwords.put(user, secret(secretName)));
    return new KafkaServer.Auth(secret(compose.controllerSecret()), passwords);
  }

  String questdbUser() {
    return compose.questdbUser();
  }

  String questdbPassword() {
    return secret("questdb_password");
  }

  Path sparkSecretFile() {
    return Path.of(localize(compose.sparkJobEnv().get("BEACON_SPARK_SPARK_AUTH_SECRET_FILE")));
  }

  /** The job's credential options, from compose's spark-job environment (BEACON_SPARK_X_Y -> --x-y). */
  List<String> sparkJobOptions() {
    List<String> options = new ArrayList<>();
    compose.sparkJobEnv().forEach((k, v) -> options.add("--" + k.substring("BEACON_SPARK_".length())
        .toLowerCase().replace('_', '-') + "=" + localize(v)));
    return options;
  }

  Map<String, Object> kafkaAdmin() {
    return KafkaServer.Auth.client("admin", secret(compose.scramUsers().get("admin")));
  }

  /** The rehearsal's own Cassandra sessions (faults' reads, checks): beacon_admin. */
  CqlSessionBuilder cassandraAdmin(CqlSessionBuilder builder) {
    return builder.withAuthCredentials(CASSANDRA_ADMIN, secret("cassandra_admin_password"));
  }

  // ---- set-up -------------------------------------------------------------------------------------------------

  /** Creates the ACLs of {@link #ACLS} as the admin user. */
  void applyKafkaAcls(Path home, String bootstrap, Consumer<String> say) throws Exception {
    List<AclBinding> bindings = new ArrayList<>();
    for (String[] f : acls(home.resolve(ACLS))) {
      // PatternType.fromString is case-sensitive ("PREFIXED"), unlike ResourceType's and AclOperation's.
      ResourcePattern pattern = new ResourcePattern(ResourceType.fromString(f[1]), f[3],
          PatternType.fromString(f[2].toUpperCase(java.util.Locale.ROOT)));
      for (String op : f[4].split(",")) {
        AclOperation operation = AclOperation.fromString(op);
        if (pattern.resourceType() == ResourceType.UNKNOWN || pattern.patternType() == PatternType.UNKNOWN
            || operation == AclOperation.UNKNOWN) {
          throw new LocalStackException(ACLS + ": unknown resource, pattern or operation in " + String.join(" ", f));
        }
        bindings.add(new AclBinding(pattern, new AccessControlEntry("User:" + f[0], "*", operation,
            AclPermissionType.ALLOW)));
      }
    }
    Map<String, Object> props = new LinkedHashMap<>(kafkaAdmin());
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      admin.createAcls(bindings).all().get(60, TimeUnit.SECONDS);
    }
    say.accept(String.format("auth: Kafka: %d ACLs of %s created for %s", bindings.size(), ACLS,
        String.join(", ", compose.scramUsers().keySet())));
  }

  /**
   * {@link #CASSANDRA_SETUP} as cassandra/cassandra (once the nodes have created it), then {@link #CASSANDRA_ROLES}
   * as beacon_admin, with every {@code ${secret}} filled in.
   */
  void applyCassandraRoles(Path home, String contactPoints, Consumer<String> say) throws IOException {
    Instant start = Instant.now();
    List<String> setup = statements(home.resolve(CASSANDRA_SETUP));
    List<String> roles = statements(home.resolve(CASSANDRA_ROLES));
    CqlSession session;
    try {
      // The nodes create the default superuser superuser_setup_delay_ms (10 s) after they join.
      session = org.awaitility.Awaitility.await("Cassandra's default superuser").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(2)).ignoreExceptionsInstanceOf(AllNodesFailedException.class)
          .until(() -> cql(contactPoints).withAuthCredentials("cassandra", "cassandra").build(),
              java.util.Objects::nonNull);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new LocalStackException("Cassandra: the default superuser never answered within 3 minutes", e);
    }
    try (CqlSession s = session) {
      for (String statement : setup) {
        s.execute(statement);
      }
    }
    try (CqlSession s = cql(contactPoints).withAuthCredentials(CASSANDRA_ADMIN, secret("cassandra_admin_password"))
        .build()) {
      for (String statement : roles) {
        s.execute(statement);
      }
    }
    say.accept(String.format("auth: Cassandra: system_auth at RF 3, %s instead of cassandra/cassandra, roles of %s "
        + "(%.1f s)", CASSANDRA_ADMIN, CASSANDRA_ROLES, Duration.between(start, Instant.now()).toMillis() / 1000.0));
  }

  /** A CQL file's statements with {@code ${secret}} filled in (comments dropped). */
  List<String> statements(Path file) throws IOException {
    StringBuilder text = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      if (!line.strip().startsWith("--")) {
        text.append(line).append('\n');
      }
    }
    Matcher m = Pattern.compile("\\$\\{([a-z0-9_]+)}").matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(secret(m.group(1))));
    }
    m.appendTail(out);
    return Arrays.stream(out.toString().split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  static CqlSessionBuilder cql(String contactPoints) {
    return CqlSession.builder().withLocalDatacenter("datacenter1")
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(10))
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
            .build())
        .addContactPoints(Arrays.stream(contactPoints.split(",")).map(hp -> new InetSocketAddress(
            hp.substring(0, hp.lastIndexOf(':')), Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1)))).toList());
  }

  // ---- refusals -----------------------------------------------------------------------------------------------

  /**
   * Clients without the right credentials, each of which must be refused: Kafka without SASL, with a wrong password,
   * and a real user outside its ACLs; Cassandra without credentials, as the default superuser, and the job's role
   * changing the schema; QuestDB's REST without credentials. Returns one line per refusal with the error seen.
   *
   * @throws LocalStackException if any of them is let in
   */
  List<String> refusals(String bootstrap, String contactPoints, QuestDbServer questdb) {
    List<String> seen = new ArrayList<>();
    List<String> admitted = new ArrayList<>();
    // Kafka, no credentials: the SASL listener drops the connection at the first request that is not part of the
    // handshake, so the client never gets metadata; it gives up after its timeout.
    check("Kafka without credentials", org.apache.kafka.common.errors.TimeoutException.class, seen, admitted, () -> {
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000))) {
        admin.listTopics().names().get(15, TimeUnit.SECONDS);
      }
    });
    check("Kafka with a wrong password", SaslAuthenticationException.class, seen, admitted, () -> {
      Map<String, Object> props = new LinkedHashMap<>(KafkaServer.Auth.client("admin", "not-the-password"));
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8_000);
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000); // at most the API timeout, or no client
      try (Admin admin = Admin.create(props)) {
        admin.listTopics().names().get(15, TimeUnit.SECONDS);
      }
    });
    // A serve node's user reading the hits in the bridge's group: not in its ACLs.
    String serve = "beacon-serve";
    if (compose.scramUsers().containsKey(serve)) {
      check("Kafka user " + serve + " consuming beacon.hits as the bridge", AuthorizationException.class, seen, admitted,
          () -> {
        Properties props = new Properties();
        props.putAll(KafkaServer.Auth.client(serve, secret(compose.scramUsers().get(serve))));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "beacon-bridge-raw");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
          consumer.subscribe(List.of("beacon.hits"));
          Instant until = Instant.now().plusSeconds(20);
          while (Instant.now().isBefore(until)) {
            consumer.poll(Duration.ofMillis(500)); // throws once the group or topic is refused
          }
        }
      });
    }
    check("Cassandra without credentials", AuthenticationException.class, seen, admitted, () -> {
      try (CqlSession s = cql(contactPoints).build()) {
        s.execute("SELECT release_version FROM system.local");
      }
    });
    check("Cassandra as cassandra/cassandra", AuthenticationException.class, seen, admitted, () -> {
      try (CqlSession s = cql(contactPoints).withAuthCredentials("cassandra", "cassandra").build()) {
        s.execute("SELECT release_version FROM system.local");
      }
    });
    // Creating a table needs CREATE on the keyspace, which only the schema role has (were it let in: a stray table).
    check("Cassandra role beacon_spark creating a table", UnauthorizedException.class, seen, admitted, () -> {
      try (CqlSession s = cql(contactPoints).withAuthCredentials("beacon_spark", secret("cassandra_spark_password"))
          .build()) {
        s.execute("CREATE TABLE IF NOT EXISTS beacon.rehearsal_auth_probe (k int PRIMARY KEY)");
      }
    });
    check("QuestDB REST without credentials", SecurityException.class, seen, admitted, () -> {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(questdb.httpUrl() + "/exec?query=select%201"))
              .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 401) {
        throw new SecurityException("HTTP 401");
      }
    });
    if (!admitted.isEmpty()) {
      throw new LocalStackException("not refused as expected: " + String.join("; ", admitted));
    }
    return seen;
  }

  interface Attempt {
    void run() throws Exception;
  }

  /**
   * Runs {@code attempt}: failing with {@code expected} (anywhere in its causes) is the refusal looked for, recorded
   * with its error; success is a hole, and another failure (e.g. the store unreachable) proves nothing: both go to
   * {@code admitted}.
   */
  private static void check(String what, Class<? extends Throwable> expected, List<String> seen, List<String> admitted,
                            Attempt attempt) {
    try {
      attempt.run();
      admitted.add(what + ": let in");
    } catch (Exception e) {
      Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (causes(t).stream().anyMatch(expected::isInstance)) {
        seen.add(what + ": refused (" + describe(t) + ")");
      } else {
        admitted.add(what + ": failed with " + describe(t) + ", not " + expected.getSimpleName());
      }
    }
  }

  private static List<Throwable> causes(Throwable t) {
    List<Throwable> all = new ArrayList<>();
    for (Throwable c = t; c != null && !all.contains(c); c = c.getCause()) {
      all.add(c);
      if (c instanceof AllNodesFailedException a) {
        a.getAllErrors().values().forEach(all::addAll);
      }
    }
    return all;
  }

  static String describe(Throwable t) {
    if (t instanceof AllNodesFailedException a) {
      Throwable first = a.getAllErrors().values().stream().flatMap(List::stream).findFirst().orElse(a);
      return first.getClass().getSimpleName() + ": " + first.getMessage();
    }
    String type = t instanceof SaslAuthenticationException ? "SaslAuthenticationException"
        : t instanceof AuthorizationException ? t.getClass().getSimpleName()
        : t instanceof UnauthorizedException ? "UnauthorizedException"
        : t instanceof AuthenticationException ? "AuthenticationException" : t.getClass().getSimpleName();
    return type + ": " + t.getMessage();
  }
}
