package io.beacon.infra.config;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole typed configuration of a Beacon node. Read and validated once by {@link ConfigLoader};
 * every other class receives the part it needs.
 */
public record BeaconConfig(
    NodeConfig node,
    HttpConfig http,
    ClusterConfig cluster,
    KafkaConfig kafka,
    CassandraConfig cassandra,
    QuestDbConfig questdb,
    SchemaConfig schema,
    CollectorConfig collector,
    BridgeConfig bridge,
    QueryConfig query,
    RecomputeConfig recompute,
    MailConfig mail) {

  /** Which verticles this node runs: a role with 0 instances (or absent) is not deployed. */
  public record NodeConfig(String name, Map<Role, RoleConfig> verticles) {
    public int instances(Role role) {
      RoleConfig rc = verticles == null ? null : verticles.get(role);
      return rc == null ? 0 : rc.instances();
    }

    public Set<Role> roles() {
      Map<Role, RoleConfig> active = new EnumMap<>(Role.class);
      if (verticles != null) {
        verticles.forEach((r, c) -> {
          if (c != null && c.instances() > 0) {
            active.put(r, c);
          }
        });
      }
      return active.keySet();
    }
  }

  public record RoleConfig(int instances) {}

  /**
   * The HTTP endpoints, and how long the public ones wait for a slow client ({@link io.beacon.infra.SlowClients}).
   *
   * @param headerTimeoutMs a connection must deliver a request's headers within this of opening or of its
   *     previous answer, else it is closed (slowloris; also the keep-alive idle limit)
   * @param bodyTimeoutMs a request's body must arrive within this of its headers, else 408 and the
   *     connection is closed
   */
  public record HttpConfig(Endpoint collector, Endpoint query, Endpoint management, long headerTimeoutMs,
      long bodyTimeoutMs) {}

  public record Endpoint(String host, int port) {}

  /**
   * Ignite clustering. Discovery is static (no multicast): {@code members} lists host:port or
   * host:from..to addresses of the discovery ports of the nodes to join. A node that sees fewer
   * than {@code minMembers} members (itself included) reports not ready: set it to a majority
   * (e.g. 2 of 3) so the minority side of a network partition stops serving. Ignite never merges the two sides of
   * a healed partition: with {@code minorityExitMs} above 0, a node that saw {@code minMembers} and then fewer for
   * that long leaves (exit code 75, as when segmented) so its supervisor restarts it into the cluster.
   */
  public record ClusterConfig(
      String host,
      int discoveryPort,
      int discoveryPortRange,
      List<String> members,
      int communicationPort,
      int communicationPortRange,
      int eventBusPort,
      String workDir,
      long dataRegionMb,
      long failureDetectionTimeoutMs,
      long eventBusTimeoutMs,
      int minMembers,
      long minorityExitMs,
      ClusterTls tls) {
    /** Whether the cluster's links (Ignite discovery and communication, the event bus) use mutual TLS. */
    public boolean tlsEnabled() {
      return tls != null && tls.enabled();
    }
  }

  /**
   * Mutual TLS on every link between nodes: Ignite discovery and communication and the clustered event bus. Each
   * node presents its own certificate ({@code keyStore}, PKCS#12) and accepts only peers whose certificate the
   * cluster's CA signed ({@code trustStore}, PKCS#12 holding the CA certificate): a process without such a
   * certificate can neither join nor send a bus message. {@code beacon cluster-certs} makes both. Passwords come
   * from the environment ({@code BEACON_CLUSTER_TLS_KEY_STORE_PASSWORD}, {@code
   * BEACON_CLUSTER_TLS_TRUST_STORE_PASSWORD}) or a config file kept out of the repository.
   */
  public record ClusterTls(boolean enabled, String keyStore, String keyStorePassword, String trustStore,
      String trustStorePassword) {}

  public record KafkaConfig(
      String bootstrap, int replicationFactor, TopicConfig hits, TopicConfig deadLetter, TopicConfig dirtyBuckets,
      KafkaSasl sasl) {

    /**
     * What every Kafka client of the node (producers, consumers, the admin) needs to reach the cluster: the
     * bootstrap servers and, with {@code sasl.username} set, SASL over the plaintext listener with the node's
     * credentials. Callers add their own settings to a copy.
     */
    public java.util.Map<String, Object> clientProps() {
      java.util.Map<String, Object> props = new java.util.HashMap<>();
      props.put("bootstrap.servers", bootstrap);
      if (sasl != null && sasl.enabled()) {
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", sasl.mechanism());
        props.put("sasl.jaas.config", sasl.jaasConfig());
      }
      return props;
    }
  }

  /**
   * SASL credentials of the node's Kafka user (SCRAM-SHA-512 in the production files, with ACLs per role). Off
   * when {@code username} is empty: the local stack of {@code bin/beacon up} listens on the loopback only, without
   * authentication. The password comes from {@code passwordFile} ({@code BEACON_KAFKA_SASL_PASSWORD_FILE}) or the
   * environment, never a file in the repository.
   */
  public record KafkaSasl(String mechanism, String username, String password) {
    static final java.util.Set<String> MECHANISMS = java.util.Set.of("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN");

    public boolean enabled() {
      return username != null && !username.isEmpty();
    }

    /** The client's JAAS line; the password is quoted for JAAS (backslash and double quote escaped). */
    String jaasConfig() {
      String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      return module + " required username=\"" + jaasQuote(username) + "\" password=\"" + jaasQuote(password) + "\";";
    }

    private static String jaasQuote(String s) {
      return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Never the password: records print their fields, and configurations end up in logs. */
    @Override
    public String toString() {
      return "KafkaSasl[mechanism=" + mechanism + ", username=" + username + ", password=" + (password == null
          || password.isEmpty() ? "(none)" : "(set)") + "]";
    }
  }

  public record TopicConfig(int partitions, long retentionMs) {}

  public record CassandraConfig(
      List<String> contactPoints,
      String localDatacenter,
      String keyspace,
      int replicationFactor,
      String username,
      String password,
      long requestTimeoutMs) {
    @Override
    public String toString() {
      return "CassandraConfig[contactPoints=" + contactPoints + ", localDatacenter=" + localDatacenter + ", keyspace="
          + keyspace + ", replicationFactor=" + replicationFactor + ", username=" + username + ", password="
          + (password == null || password.isEmpty() ? "(none)" : "(set)") + ", requestTimeoutMs=" + requestTimeoutMs
          + "]";
    }
  }

  public record QuestDbConfig(
      String httpUrl, String pgHost, int pgPort, String database, String user, String password) {
    @Override
    public String toString() {
      return "QuestDbConfig[httpUrl=" + httpUrl + ", pgHost=" + pgHost + ", pgPort=" + pgPort + ", database="
          + database + ", user=" + user + ", password=" + (password == null || password.isEmpty() ? "(none)" : "(set)")
          + "]";
    }
  }

  /** When true, a node creates or migrates the stores its roles use, idempotently, at start. */
  public record SchemaConfig(boolean autoMigrate) {}

  /** Checks every value and throws one {@link ConfigException} naming all bad keys. */
  public BeaconConfig validate() {
    Validator v = new Validator();
    v.require(node != null, "node", "is required");
    if (node != null) {
      v.notBlank(node.name(), "node.name");
      if (node.verticles() != null) {
        node.verticles().forEach((role, rc) -> {
          String key = "node.verticles." + role.key() + ".instances";
          v.require(rc != null, key, "is required");
          if (rc != null) {
            v.require(rc.instances() >= 0 && rc.instances() <= 64, key, "must be 0-64, was " + rc.instances());
          }
        });
      }
      v.require(!node.roles().isEmpty(), "node.verticles", "must enable at least one role (collector, bridge, query, recompute)");
    }
    v.require(http != null, "http", "is required");
    if (http != null) {
      endpoint(v, http.collector(), "http.collector");
      endpoint(v, http.query(), "http.query");
      endpoint(v, http.management(), "http.management");
      v.require(http.headerTimeoutMs() >= 100, "http.headerTimeoutMs", "must be >= 100, was " + http.headerTimeoutMs());
      v.require(http.bodyTimeoutMs() >= 100, "http.bodyTimeoutMs", "must be >= 100, was " + http.bodyTimeoutMs());
    }
    v.require(cluster != null, "cluster", "is required");
    if (cluster != null) {
      v.notBlank(cluster.host(), "cluster.host");
      v.port(cluster.discoveryPort(), "cluster.discoveryPort");
      v.positive(cluster.discoveryPortRange(), "cluster.discoveryPortRange");
      v.require(cluster.members() != null && !cluster.members().isEmpty(), "cluster.members", "must list at least one discovery address");
      v.port(cluster.communicationPort(), "cluster.communicationPort");
      v.positive(cluster.communicationPortRange(), "cluster.communicationPortRange");
      v.port(cluster.eventBusPort(), "cluster.eventBusPort");
      v.notBlank(cluster.workDir(), "cluster.workDir");
      v.require(cluster.dataRegionMb() >= 16, "cluster.dataRegionMb", "must be >= 16, was " + cluster.dataRegionMb());
      v.require(cluster.failureDetectionTimeoutMs() >= 500, "cluster.failureDetectionTimeoutMs", "must be >= 500");
      v.positive(cluster.eventBusTimeoutMs(), "cluster.eventBusTimeoutMs");
      v.positive(cluster.minMembers(), "cluster.minMembers");
      v.require(cluster.minorityExitMs() >= 0, "cluster.minorityExitMs",
          "must be >= 0 (0: a node in a minority stays, not ready), was " + cluster.minorityExitMs());
      if (cluster.tlsEnabled()) {
        ClusterTls t = cluster.tls();
        v.require(t.keyStore() != null && java.nio.file.Files.isReadable(java.nio.file.Path.of(t.keyStore())),
            "cluster.tls.keyStore", "must name a readable PKCS#12 file (this node's key and certificate), was '"
                + t.keyStore() + "'");
        v.require(t.trustStore() != null && java.nio.file.Files.isReadable(java.nio.file.Path.of(t.trustStore())),
            "cluster.tls.trustStore", "must name a readable PKCS#12 file (the cluster CA's certificate), was '"
                + t.trustStore() + "'");
        v.notBlank(t.keyStorePassword(), "cluster.tls.keyStorePassword");
        v.notBlank(t.trustStorePassword(), "cluster.tls.trustStorePassword");
      }
    }
    v.require(kafka != null, "kafka", "is required");
    if (kafka != null) {
      v.notBlank(kafka.bootstrap(), "kafka.bootstrap");
      v.positive(kafka.replicationFactor(), "kafka.replicationFactor");
      topic(v, kafka.hits(), "kafka.hits");
      topic(v, kafka.deadLetter(), "kafka.deadLetter");
      topic(v, kafka.dirtyBuckets(), "kafka.dirtyBuckets");
      KafkaSasl sasl = kafka.sasl();
      v.require(sasl != null, "kafka.sasl", "is required");
      if (sasl != null) {
        v.require(sasl.mechanism() != null && KafkaSasl.MECHANISMS.contains(sasl.mechanism()), "kafka.sasl.mechanism",
            "must be one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, was '" + sasl.mechanism() + "'");
        if (sasl.enabled()) {
          v.require(sasl.password() != null && !sasl.password().isEmpty(), "kafka.sasl.password",
              "is required when kafka.sasl.username is set (BEACON_KAFKA_SASL_PASSWORD_FILE or "
                  + "BEACON_KAFKA_SASL_PASSWORD)");
        } else {
          v.require(sasl.password() == null || sasl.password().isEmpty(), "kafka.sasl.username",
              "is required when a Kafka SASL password is given");
        }
      }
    }
    v.require(cassandra != null, "cassandra", "is required");
    if (cassandra != null) {
      v.require(cassandra.contactPoints() != null && !cassandra.contactPoints().isEmpty(), "cassandra.contactPoints", "must list at least one host:port");
      if (cassandra.contactPoints() != null) {
        cassandra.contactPoints().forEach(cp -> v.contactPoint(cp, "cassandra.contactPoints"));
      }
      v.notBlank(cassandra.localDatacenter(), "cassandra.localDatacenter");
      v.notBlank(cassandra.keyspace(), "cassandra.keyspace");
      v.require(cassandra.keyspace() == null || cassandra.keyspace().matches("[a-z][a-z0-9_]{0,47}"),
          "cassandra.keyspace", "must match [a-z][a-z0-9_]* (max 48 chars)");
      v.positive(cassandra.replicationFactor(), "cassandra.replicationFactor");
      v.positive(cassandra.requestTimeoutMs(), "cassandra.requestTimeoutMs");
      boolean user = cassandra.username() != null && !cassandra.username().isEmpty();
      boolean password = cassandra.password() != null && !cassandra.password().isEmpty();
      v.require(!user || password, "cassandra.password", "is required when cassandra.username is set "
          + "(BEACON_CASSANDRA_PASSWORD_FILE or BEACON_CASSANDRA_PASSWORD)");
      v.require(user || !password, "cassandra.username", "is required when a Cassandra password is given");
    }
    v.require(questdb != null, "questdb", "is required");
    if (questdb != null) {
      v.require(questdb.httpUrl() != null && questdb.httpUrl().matches("https?://.+"), "questdb.httpUrl", "must be an http(s) URL");
      v.notBlank(questdb.pgHost(), "questdb.pgHost");
      v.port(questdb.pgPort(), "questdb.pgPort");
      v.notBlank(questdb.database(), "questdb.database");
      v.notBlank(questdb.user(), "questdb.user");
      v.require(questdb.password() != null && !questdb.password().isEmpty(), "questdb.password",
          "is required (BEACON_QUESTDB_PASSWORD_FILE or BEACON_QUESTDB_PASSWORD)");
    }
    v.require(schema != null, "schema", "is required");
    v.require(collector != null, "collector", "is required");
    if (collector != null) {
      collector.validate(v);
    }
    v.require(query != null, "query", "is required");
    if (query != null) {
      query.validate(v);
    }
    v.require(recompute != null, "recompute", "is required");
    if (recompute != null) {
      recompute.validate(v);
    }
    v.require(mail != null, "mail", "is required");
    if (mail != null) {
      mail.validate(v);
    }
    v.require(bridge != null, "bridge", "is required");
    if (bridge != null) {
      bridge.validate(v);
    }
    v.throwIfAny();
    return this;
  }

  private static void endpoint(Validator v, Endpoint e, String key) {
    v.require(e != null, key, "is required");
    if (e != null) {
      v.notBlank(e.host(), key + ".host");
      v.port(e.port(), key + ".port");
    }
  }

  private static void topic(Validator v, TopicConfig t, String key) {
    v.require(t != null, key, "is required");
    if (t != null) {
      v.require(t.partitions() >= 1 && t.partitions() <= 1024, key + ".partitions", "must be 1-1024, was " + t.partitions());
      v.require(t.retentionMs() == -1 || t.retentionMs() >= 60_000, key + ".retentionMs", "must be -1 (forever) or >= 60000, was " + t.retentionMs());
    }
  }
}
