package io.beacon.infra.config;

/** The external stores a node may depend on; readiness and schema migration follow the node's roles. */
public enum Store {
  KAFKA, CASSANDRA, QUESTDB
}
