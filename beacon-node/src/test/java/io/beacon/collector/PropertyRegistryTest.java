package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The collector's property registry over a fake {@code properties} table, with a clock the test turns. */
class PropertyRegistryTest {
  private final Map<String, PropertyInfo> table = new ConcurrentHashMap<>();
  private final AtomicInteger lookups = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  /** When set, lookups stay pending until the test completes them. */
  private final List<Promise<PropertyInfo>> held = new ArrayList<>();
  private boolean hold;

  private final PropertyRegistry.Source source = new PropertyRegistry.Source() {
    @Override
    public Future<Void> prepare() {
      return Future.succeededFuture();
    }

    @Override
    public Future<List<PropertyInfo>> all() {
      return Future.succeededFuture(List.copyOf(table.values()));
    }

    @Override
    public Future<PropertyInfo> one(String id) {
      lookups.incrementAndGet();
      if (hold) {
        Promise<PropertyInfo> p = Promise.promise();
        held.add(p);
        return p.future();
      }
      return Future.succeededFuture(table.get(id));
    }
  };

  private final PropertyRegistry registry = new PropertyRegistry(null, source, 30_000, nanos::get);

  private static PropertyInfo property(String id) {
    return new PropertyInfo(id, "secret", Set.of(), Set.of(), false, false);
  }

  private PropertyInfo get(String id) {
    Future<PropertyInfo> f = registry.get(id);
    assertThat(f.isComplete()).as("completes at once").isTrue();
    assertThat(f.succeeded()).as("%s: %s", id, f.cause()).isTrue();
    return f.result();
  }

  private void advanceMs(long ms) {
    nanos.addAndGet(ms * 1_000_000L);
  }

  @Test
  void aPropertyCreatedAfterTenThousandUnknownIdsIsAcceptedAsSoonAsItExists() {
    // Finding "after 10,000 unknown ids are cached, hits for newly created properties are rejected until the next
    // reload".
    table.put("B-OLD", property("B-OLD"));
    registry.reload().result();
    for (int i = 0; i <= PropertyRegistry.MAX_UNKNOWN; i++) {
      if (i % PropertyRegistry.LOOKUPS_PER_SECOND == 0) {
        advanceMs(1_000); // within the lookup rate
      }
      assertThat(get("B-NOPE" + i)).isNull();
    }
    assertThat(get("B-OLD")).isNotNull();
    table.put("B-NEW1", property("B-NEW1"));
    advanceMs(1_000);
    assertThat(get("B-NEW1")).as("created after the unknown ids filled the cache, before any reload").isNotNull();
  }

  @Test
  void anIdFoundUnknownIsLookedUpAgainAfterAFewSeconds() {
    registry.reload().result();
    assertThat(get("B-LATER")).isNull();
    assertThat(get("B-LATER")).as("remembered as unknown").isNull();
    assertThat(lookups).hasValue(1);
    table.put("B-LATER", property("B-LATER"));
    advanceMs(PropertyRegistry.UNKNOWN_TTL.toMillis() + 1);
    assertThat(get("B-LATER")).as("created meanwhile").isNotNull();
    assertThat(get("B-LATER")).isNotNull();
    assertThat(lookups).as("found ones are kept in memory").hasValue(2);
  }

  @Test
  void lookupsAreRateLimitedOneAtATimePerIdAndOnlyForWellFormedIds() {
    registry.reload().result();
    assertThat(get("not a property id")).isNull();
    assertThat(get("B-" + "X".repeat(63))).isNull();
    assertThat(lookups).as("ids no property can have are not looked up").hasValue(0);

    hold = true;
    Future<PropertyInfo> first = registry.get("B-SLOW");
    Future<PropertyInfo> second = registry.get("B-SLOW");
    assertThat(lookups).as("one lookup for concurrent hits of one id").hasValue(1);
    table.put("B-SLOW", property("B-SLOW"));
    held.get(0).complete(table.get("B-SLOW"));
    assertThat(first.result()).isNotNull();
    assertThat(second.result()).isNotNull();
    hold = false;

    advanceMs(1_000);
    for (int i = 0; i < PropertyRegistry.LOOKUPS_PER_SECOND; i++) {
      assertThat(get("B-FLOOD" + i)).isNull();
    }
    Future<PropertyInfo> over = registry.get("B-FLOOD-X");
    assertThat(over.failed()).as("over the lookup rate: a failure (503, retried), not an unknown property").isTrue();
    assertThat(over.cause()).isInstanceOf(PropertyRegistry.LookupThrottledException.class);
    advanceMs(1_000);
    assertThat(get("B-FLOOD-X")).isNull();
  }
}
