package io.beacon.infra.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import java.util.Locale;
import java.util.stream.Collectors;

/** The verticle roles a Beacon node can run; a node's config says which ones and how many instances. */
public enum Role {
  /** HTTP ingestion: needs Kafka (the hand-off) and Cassandra (property settings). */
  COLLECTOR(Store.KAFKA, Store.CASSANDRA),
  /** Kafka to QuestDB and real-time state. */
  BRIDGE(Store.KAFKA, Store.QUESTDB, Store.CASSANDRA),
  /** Dashboard and reporting API over the aggregates. */
  QUERY(Store.CASSANDRA),
  /** Rebuilds aggregates from raw hits. */
  RECOMPUTE(Store.CASSANDRA, Store.QUESTDB, Store.KAFKA);

  private final Set<Store> stores;

  Role(Store... stores) {
    this.stores = Set.copyOf(EnumSet.copyOf(java.util.List.of(stores)));
  }

  /** The stores this role cannot work without: its node is ready only when they answer. */
  public Set<Store> stores() {
    return stores;
  }

  /** Union of the stores of several roles. */
  public static Set<Store> storesOf(Collection<Role> roles) {
    EnumSet<Store> all = EnumSet.noneOf(Store.class);
    roles.forEach(r -> all.addAll(r.stores));
    return all;
  }

  @JsonValue
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Role fromKey(String key) {
    for (Role r : values()) {
      if (r.key().equals(key)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role '" + key + "', expected one of "
        + Arrays.stream(values()).map(Role::key).collect(Collectors.joining(", ")));
  }
}
