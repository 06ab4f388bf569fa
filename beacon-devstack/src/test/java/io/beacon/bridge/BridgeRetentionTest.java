package io.beacon.bridge;

import static io.beacon.bridge.BridgeTesting.count;
import static io.beacon.bridge.BridgeTesting.fullHit;
import static io.beacon.bridge.BridgeTesting.join;
import static io.beacon.bridge.BridgeTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.contract.RawErasureContract;
import io.beacon.model.Hit;
import io.beacon.testing.RealStack;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Raw retention by partition and the right-to-erasure call, against real QuestDB through a real bridge node. */
@ExtendWith(RealStack.class)
class BridgeRetentionTest {
  private static final Duration VISIBLE = Duration.ofSeconds(60);
  private static final long DAY = 86_400_000L;
  private static BeaconNode node;
  private static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    node = BridgeTesting.startBridgeNode(s, "bridge-retention", Map.of());
    producer = BridgeTesting.producer(s);
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (node != null) {
      join(node.close());
    }
  }

  private static Hit withClient(Hit h, String clientId) {
    return h.toBuilder()
        .clientId(clientId)
        .build();
  }

  private static Set<String> requestIds(String property) throws Exception {
    Set<String> ids = new HashSet<>();
    BridgeTesting.sql(node, "SELECT request_id FROM hits WHERE property_id = $1", property)
        .forEach(r -> ids.add(r.getString(0)));
    return ids;
  }

  private static RawErasureContract.Result erase(String property, RawErasureContract.IdKind kind, String id)
      throws Exception {
    return join(RawErasureContract.CONTRACT.request(node.vertx(), new RawErasureContract.Request(property, kind, id,
        "admin@example.com"), new DeliveryOptions().setSendTimeout(120_000)), 150);
  }

  @Test
  void erasureByClientIdDeletesThatClientsRawHitsOfOnePropertyAndNothingElse() throws Exception {
    String property = BridgeTesting.propertyId();
    String other = BridgeTesting.propertyId();
    String victim = "victim-" + property;
    long now = System.currentTimeMillis();
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      long ts = now - (i % 2 == 0 ? 0 : 3 * DAY) - i * 1000L; // two day partitions
      String client = switch (i % 3) {
        case 0 -> victim;
        case 1 -> "keep-a-" + property;
        default -> "keep-b-" + property;
      };
      hits.add(withClient(fullHit(property, i, ts), client));
    }
    // The same client id in another property is another person there: kept.
    List<Hit> others = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      others.add(withClient(fullHit(other, i, now - (i % 2 == 0 ? 0 : 3 * DAY) - i * 1000L), victim));
    }
    produce(producer, hits);
    produce(producer, others);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(90L);
      assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", other)).isEqualTo(40L);
    });
    var cassandra = node.context().clients().cassandra();
    for (String c : List.of(victim, "keep-a-" + property)) {
      join(cassandra.execute("INSERT INTO first_visits (property_id, client_id, first_ts) VALUES ('" + property
          + "', '" + c + "', '2026-01-01T00:00:00Z')"));
    }
    Set<String> kept = new HashSet<>();
    hits.stream().filter(h -> !h.clientId().equals(victim)).forEach(h -> kept.add(h.requestId()));
    Set<String> otherIds = requestIds(other);

    // Hits keep flowing while the erasure runs: they are held back, then written, none lost.
    String concurrent = BridgeTesting.propertyId();
    List<Hit> during = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      during.add(fullHit(concurrent, i, now - (i % 2 == 0 ? 0 : 3 * DAY) - i));
    }
    var reply = RawErasureContract.CONTRACT.request(node.vertx(), new RawErasureContract.Request(property,
        RawErasureContract.IdKind.CLIENT_ID, victim, "admin@example.com"), new DeliveryOptions().setSendTimeout(120_000));
    produce(producer, during);
    RawErasureContract.Result result = join(reply, 150);

    assertThat(result.rowsErased()).isEqualTo(30L);
    assertThat(result.partitions()).isEqualTo(2);
    assertThat(result.firstVisitsDeleted()).isEqualTo(1);
    assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1 AND client_id = $2", property, victim))
        .isZero();
    assertThat(requestIds(property)).isEqualTo(kept);
    assertThat(requestIds(other)).isEqualTo(otherIds);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", concurrent)).isEqualTo(200L));
    assertThat(count(node, "SELECT count() FROM tables() WHERE table_name LIKE 'hits_erasure_%'")).isZero();
    assertThat(join(cassandra.executeWithFullFetch("SELECT client_id FROM first_visits WHERE property_id = '"
        + property + "' AND client_id = '" + victim + "'"))).isEmpty();
    assertThat(join(cassandra.executeWithFullFetch("SELECT client_id FROM first_visits WHERE property_id = '"
        + property + "' AND client_id = 'keep-a-" + property + "'"))).hasSize(1);
    assertThat(join(cassandra.executeWithFullFetch("SELECT erased_at FROM erasures WHERE property_id = '"
        + property + "' AND id_kind = 'client_id' AND id = '" + victim + "'"))).hasSize(1);
  }

  @Test
  void erasureByUserIdDeletesTheRawHitsCarryingThatUserIdOfOneProperty() throws Exception {
    String property = BridgeTesting.propertyId();
    String user = "user-" + property;
    long now = System.currentTimeMillis();
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Hit h = withClient(fullHit(property, i, now - (i % 2 == 0 ? 0 : DAY) - i * 1000L), "c-" + (i % 5));
      hits.add(i % 3 == 0 ? h.toBuilder().userId(user).build() : h);
    }
    // A client id seen only with that user id: left without raw hits, its first visit goes too.
    hits.add(withClient(fullHit(property, 30, now), "only-" + user).toBuilder().userId(user).build());
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(31L));
    Set<String> kept = new HashSet<>();
    hits.stream().filter(h -> !user.equals(h.userId())).forEach(h -> kept.add(h.requestId()));

    RawErasureContract.Result result = erase(property, RawErasureContract.IdKind.USER_ID, user);

    assertThat(result.rowsErased()).isEqualTo(11L);
    assertThat(requestIds(property)).isEqualTo(kept);
    // c-0..c-4 still have hits without the user id: those stay (GA4 erases by the id asked for).
    assertThat(result.firstVisitsDeleted()).isEqualTo(1);
  }

  @Test
  void erasureTombstoneKeepsReplayedHitsOfTheErasedPersonOut() throws Exception {
    String property = BridgeTesting.propertyId();
    String victim = "victim-" + property;
    long now = System.currentTimeMillis();
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Hit h = fullHit(property, i, now - i * 1000L);
      hits.add(i % 2 == 0 ? withClient(h, victim) : h);
    }
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(20L));
    assertThat(erase(property, RawErasureContract.IdKind.CLIENT_ID, victim).rowsErased()).isEqualTo(10L);

    // A replay: the same records again, received before the erasure; and the same client coming back afterwards,
    // a new hit the erasure does not cover.
    Hit after = withClient(fullHit(property, 100, now + 60_000), victim).toBuilder()
        .receivedAt(System.currentTimeMillis() + 60_000).build();
    produce(producer, hits);
    produce(producer, List.of(after));
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(requestIds(property)).contains(after.requestId()));
    // Same key, same Kafka partition: the replay was consumed before that hit; its batch may still be in flight
    // on another writer thread for a moment, so the count must hold for a while.
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
        .untilAsserted(() -> assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1 AND client_id = $2",
            property, victim)).as("only the hit received after the erasure").isEqualTo(1L));
    assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(11L);
  }

  @Test
  void erasureInterruptedAfterDroppingItsPartitionIsCompletedByTheNextRetentionRun() throws Exception {
    // A day of its own (in the future: no other test writes it and no retention drops it).
    long day = (System.currentTimeMillis() / DAY + 40) * DAY;
    String property = BridgeTesting.propertyId();
    String victim = "victim-" + property;
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Hit h = fullHit(property, i, day + 3_600_000L + i * 1000L);
      hits.add(i % 3 == 0 ? withClient(h, victim) : h);
    }
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(12L));
    Set<String> kept = new HashSet<>();
    hits.stream().filter(h -> !h.clientId().equals(victim)).forEach(h -> kept.add(h.requestId()));

    // The erasure's steps up to its crash: the kept rows copied, the partition dropped; nothing inserted back.
    java.time.LocalDate date = Instant.ofEpochMilli(day).atZone(java.time.ZoneOffset.UTC).toLocalDate();
    String copy = RawErasure.copyTable(date);
    var questdb = node.context().clients().questdb();
    join(questdb.query("CREATE TABLE " + copy + " AS (SELECT * FROM hits WHERE ts >= '" + date
        + "T00:00:00.000000Z' AND ts < '" + date.plusDays(1) + "T00:00:00.000000Z' AND NOT (client_id = '" + victim
        + "'))").execute());
    join(questdb.query("ALTER TABLE hits DROP PARTITION LIST '" + date + "'").execute());
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isZero());

    // The next retention run (nothing expired) finds the short day and completes it.
    RawRetention retention = new RawRetention(node.vertx(), node.context().clients().questdb(),
        () -> io.vertx.core.Future.succeededFuture(Map.of()), new RawErasure(node.vertx(),
        node.context().clients().questdb(), new IgniteWriteGate(node.context().ignite())), 0, 3_600_000);
    join(retention.runOnce(Instant.now()), 150);

    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(requestIds(property)).isEqualTo(kept));
    assertThat(count(node, "SELECT count() FROM tables() WHERE table_name = '" + copy + "'")).isZero();
  }

  @Test
  void eachPropertysOwnRetentionDropsItsExpiredHitsAndNothingElse() throws Exception {
    String shortLived = BridgeTesting.propertyId();
    String longLived = BridgeTesting.propertyId();
    String unset = BridgeTesting.propertyId();
    long now = System.currentTimeMillis();
    int[] ages = {10, 6, 4, 2, 0};
    List<Hit> hits = new ArrayList<>();
    for (String p : List.of(shortLived, longLived, unset)) {
      for (int age : ages) {
        hits.add(fullHit(p, age, now - age * DAY));
      }
    }
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(count(node,
        "SELECT count() FROM hits WHERE property_id IN ($1, $2, $3)", shortLived, longLived, unset)).isEqualTo(15L));
    var cassandra = node.context().clients().cassandra();
    join(cassandra.execute("INSERT INTO properties (property_id, name, retention_days) VALUES ('" + shortLived
        + "', 'short', 3)"));
    join(cassandra.execute("INSERT INTO properties (property_id, name, retention_days) VALUES ('" + longLived
        + "', 'long', 8)"));
    join(cassandra.execute("INSERT INTO properties (property_id, name) VALUES ('" + unset + "', 'unset')"));

    // The settings as the bridge reads them from the real properties table, narrowed to this test's
    // properties (the suite's other tests share the table); no default retention, so no partition drop.
    Set<String> mine = Set.of(shortLived, longLived, unset);
    var fromTable = RawRetention.fromProperties(() -> cassandra);
    IgniteWriteGate gate = new IgniteWriteGate(node.context().ignite());
    RawRetention retention = new RawRetention(node.vertx(), node.context().clients().questdb(),
        () -> fromTable.get().map(all -> {
          Map<String, Integer> narrowed = new java.util.HashMap<>(all);
          narrowed.keySet().retainAll(mine);
          return narrowed;
        }), new RawErasure(node.vertx(), node.context().clients().questdb(), gate), 0, 3_600_000);

    JsonObject first = join(retention.runOnce(Instant.ofEpochMilli(now)), 150);
    assertThat(first.getLong("rowsErased")).as("in %s", first).isEqualTo(4L); // 10, 6, 4 days old; and 10
    assertThat(first.getInteger("partitions")).isEqualTo(3);
    assertThat(first.getString("droppedBefore")).isNull();
    JsonObject again = join(retention.runOnce(Instant.ofEpochMilli(now)), 150);
    assertThat(again.getLong("rowsErased")).as("nothing left to erase").isZero();

    assertThat(requestIds(shortLived)).containsExactlyInAnyOrder(hits.get(3).requestId(), hits.get(4).requestId());
    assertThat(requestIds(longLived)).containsExactlyInAnyOrder(hits.get(6).requestId(), hits.get(7).requestId(),
        hits.get(8).requestId(), hits.get(9).requestId());
    assertThat(requestIds(unset)).hasSize(5);
    assertThat(count(node, "SELECT count() FROM tables() WHERE table_name LIKE 'hits_erasure_%'")).isZero();
  }

  @Test
  void aggBucketsPastTheirPropertysRawRetentionAreDeletedAndNothingElse() throws Exception {
    String shortLived = BridgeTesting.propertyId();
    String forever = BridgeTesting.propertyId();
    Instant now = Instant.parse("2026-11-26T10:15:00Z");
    var cassandra = node.context().clients().cassandra();
    // bucket starts (UTC zone) and their partitions: hour buckets by local day, day buckets by local month.
    String[][] buckets = {
        {"hour", "2026-11-20", "2026-11-20T09:00:00Z"}, {"hour", "2026-11-23", "2026-11-23T00:00:00Z"},
        {"hour", "2026-11-26", "2026-11-26T08:00:00Z"}, {"day", "2026-10", "2026-10-31T00:00:00Z"},
        {"day", "2026-11", "2026-11-22T00:00:00Z"}, {"day", "2026-11", "2026-11-23T00:00:00Z"}};
    for (String p : List.of(shortLived, forever)) {
      for (String[] b : buckets) {
        join(cassandra.execute("INSERT INTO agg_buckets (property_id, granularity, period, dimension, bucket_start,"
            + " dim_value, event_count) VALUES ('" + p + "', '" + b[0] + "', '" + b[1] + "', '(total)', '" + b[2]
            + "', '', 1)"));
      }
    }
    // 3 days: the cut-off is 2026-11-23T00:00Z, as for the raw hits; the other property keeps everything (default 0).
    AggRetention retention = new AggRetention(() -> cassandra);
    join(retention.runOnce(now, Map.of(shortLived, 3), 0));
    join(retention.runOnce(now, Map.of(shortLived, 3), 0)); // idempotent

    assertThat(bucketStarts(cassandra, shortLived)).containsExactlyInAnyOrder("2026-11-23T00:00:00Z",
        "2026-11-26T08:00:00Z", "2026-11-23T00:00:00Z");
    assertThat(bucketStarts(cassandra, forever)).hasSize(6);
  }

  private static List<String> bucketStarts(io.vertx.cassandra.CassandraClient cassandra, String property)
      throws Exception {
    List<String> out = new ArrayList<>();
    for (String[] pk : new String[][] {{"hour", "2026-11-20"}, {"hour", "2026-11-23"}, {"hour", "2026-11-26"},
        {"day", "2026-10"}, {"day", "2026-11"}}) {
      join(cassandra.executeWithFullFetch("SELECT bucket_start FROM agg_buckets WHERE property_id = '" + property
          + "' AND granularity = '" + pk[0] + "' AND period = '" + pk[1] + "' AND dimension = '(total)'"))
          .forEach(r -> out.add(r.getInstant(0).toString()));
    }
    return out;
  }

  @Test
  void aPropertyPastItsThirtyFiveDaysInTheTrashIsPurgedFromEveryStoreAndNothingElse() throws Exception {
    String purged = BridgeTesting.propertyId();
    String trashed = BridgeTesting.propertyId();
    String live = BridgeTesting.propertyId();
    List<String> all = List.of(purged, trashed, live);
    long now = System.currentTimeMillis();
    List<Hit> hits = new ArrayList<>();
    for (String p : all) {
      for (int i = 0; i < 6; i++) {
        hits.add(fullHit(p, i, now - (i % 2) * DAY - i * 1000L)); // two day partitions, shared by the three
      }
    }
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(count(node,
        "SELECT count() FROM hits WHERE property_id IN ($1, $2, $3)", purged, trashed, live)).isEqualTo(18L));
    var cassandra = node.context().clients().cassandra();
    Instant at = Instant.ofEpochMilli(now).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    Tombstones tombstones = new Tombstones(node.context().ignite());
    for (String p : all) {
      for (String period : List.of("2026-11-20", "2026-11-21")) {
        join(cassandra.execute("INSERT INTO agg_buckets (property_id, granularity, period, dimension, bucket_start,"
            + " dim_value, event_count) VALUES ('" + p + "', 'hour', '" + period + "', '(total)', '" + period
            + "T09:00:00Z', '', 1)"));
      }
      cql(cassandra, "INSERT INTO property_roles (property_id, email, role) VALUES (?, ?, ?)", p,
          "owner-" + p + "@example.com", "admin");
      cql(cassandra, "INSERT INTO user_properties (email, property_id, role) VALUES (?, ?, ?)",
          "owner-" + p + "@example.com", p, "admin");
      cql(cassandra, io.beacon.store.cassandra.AnnotationsTable.insert(),
          io.beacon.store.cassandra.AnnotationsTable.insertValues(new io.beacon.store.cassandra.AnnotationsTable.Annotation(
              p, com.datastax.oss.driver.api.core.uuid.Uuids.timeBased(), java.time.LocalDate.parse("2026-11-20"),
              "launch", null, "owner@example.com", at)));
      var tombstone = new io.beacon.store.cassandra.ErasuresTable.Tombstone(p, "client_id", "gone-" + p, at);
      cql(cassandra, io.beacon.store.cassandra.ErasuresTable.insert(),
          io.beacon.store.cassandra.ErasuresTable.insertValues(tombstone, "owner@example.com"));
      cql(cassandra, io.beacon.store.cassandra.ErasuresTable.insertRecent(),
          io.beacon.store.cassandra.ErasuresTable.insertRecentValues(tombstone, at));
      join(node.vertx().executeBlocking(() -> {
        tombstones.add(tombstone);
        return null;
      }));
      join(cassandra.execute("INSERT INTO first_visits (property_id, client_id, first_ts) VALUES ('" + p
          + "', 'client-1', '2026-11-20T09:00:00Z')"));
      String job = "job-" + p;
      join(cassandra.execute("INSERT INTO recompute_jobs (job_id, property_id, status) VALUES ('" + job + "', '" + p
          + "', 'queued')"));
      join(cassandra.execute("INSERT INTO recompute_queue (shard, job_id) VALUES (0, '" + job + "')"));
      join(cassandra.execute("INSERT INTO recompute_jobs_by_property (property_id, created_at, job_id) VALUES ('" + p
          + "', '2026-11-20T09:00:00Z', '" + job + "')"));
    }
    // The properties rows last (the node's own retention runs on a timer): deleted 36 days ago, 10 days ago, live.
    Map<String, Instant> deletedAt = new java.util.HashMap<>();
    deletedAt.put(purged, at.minus(Duration.ofDays(36)));
    deletedAt.put(trashed, at.minus(Duration.ofDays(10)));
    deletedAt.put(live, null);
    for (String p : all) {
      cql(cassandra, io.beacon.store.cassandra.PropertiesTable.insertIfNotExists(),
          io.beacon.store.cassandra.PropertiesTable.insertValues(new io.beacon.store.cassandra.PropertyRecord(p, "n",
              "UTC", null, "secret", null, null, false, false, at, at, null, null, null, null, null, null,
              deletedAt.get(p))));
    }
    Map<String, Map<String, Long>> before = new java.util.HashMap<>();
    for (String p : all) {
      before.put(p, footprint(cassandra, tombstones, p));
    }
    assertThat(before.get(purged).values()).as("%s", before.get(purged)).allMatch(n -> n > 0);

    var meters = node.context().meters();
    double counted = meters.counter("beacon_properties_purged_total").count();
    PropertyPurge purge = new PropertyPurge(node.vertx(), node.context().clients().questdb(),
        new RawErasure(node.vertx(), node.context().clients().questdb(), new IgniteWriteGate(node.context().ignite())),
        () -> cassandra, tombstones, null, meters);
    // The node's own retention may hold the raw-write gate for a moment: a run that meets it fails fast, as designed.
    io.vertx.core.json.JsonArray[] first = new io.vertx.core.json.JsonArray[1];
    await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      try {
        first[0] = join(purge.runOnce(Instant.now()), 150);
        return true;
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof RawErasure.ErasureBusyException) {
          return false;
        }
        throw e;
      }
    });

    assertThat(footprint(cassandra, tombstones, purged)).as("nothing of %s left", purged).allSatisfy((k, n) ->
        assertThat(n).as(k).isZero());
    assertThat(footprint(cassandra, tombstones, trashed)).isEqualTo(before.get(trashed));
    assertThat(footprint(cassandra, tombstones, live)).isEqualTo(before.get(live));
    // Counted once, whichever run (this one or the node's own) purged it.
    assertThat(meters.counter("beacon_properties_purged_total").count()).isEqualTo(counted + 1);
    // This run's report of the property, unless the node's own run purged it first.
    first[0].stream().map(JsonObject.class::cast).filter(r -> purged.equals(r.getString("propertyId"))).findFirst()
        .ifPresent(r -> {
          assertThat(r.getLong("rawHits")).isEqualTo(6L);
          assertThat(r.getInteger("aggPartitions")).isEqualTo(2);
        });

    assertThat(join(purge.runOnce(Instant.now()), 150)).as("nothing due any more").isEmpty();
    assertThat(footprint(cassandra, tombstones, trashed)).isEqualTo(before.get(trashed));
    assertThat(footprint(cassandra, tombstones, live)).isEqualTo(before.get(live));
    assertThat(meters.counter("beacon_properties_purged_total").count()).isEqualTo(counted + 1);
  }

  /** What each store holds of a property: rows (or entries) per table. */
  private static Map<String, Long> footprint(io.vertx.cassandra.CassandraClient cassandra, Tombstones tombstones,
                                             String p) throws Exception {
    Map<String, Long> n = new java.util.TreeMap<>();
    n.put("hits (QuestDB)", count(node, "SELECT count() FROM hits WHERE property_id = $1", p));
    n.put("properties", rows(cassandra, "SELECT property_id FROM properties WHERE property_id = ?", p));
    long agg = 0;
    for (String period : List.of("2026-11-20", "2026-11-21")) {
      agg += rows(cassandra, "SELECT bucket_start FROM agg_buckets WHERE property_id = ? AND granularity = 'hour'"
          + " AND period = ? AND dimension = '(total)'", p, period);
    }
    n.put("agg_buckets", agg);
    n.put("property_roles", rows(cassandra, "SELECT email FROM property_roles WHERE property_id = ?", p));
    n.put("user_properties", rows(cassandra, "SELECT role FROM user_properties WHERE email = ? AND property_id = ?",
        "owner-" + p + "@example.com", p));
    n.put("annotations", rows(cassandra, "SELECT id FROM annotations WHERE property_id = ?", p));
    n.put("erasures", rows(cassandra, "SELECT id FROM erasures WHERE property_id = ?", p));
    n.put("recent_erasures", rows(cassandra, "SELECT id FROM recent_erasures WHERE day = ? AND property_id = ?",
        java.time.LocalDate.ofInstant(Instant.now(), java.time.ZoneOffset.UTC), p));
    n.put("first_visits", rows(cassandra, "SELECT client_id FROM first_visits WHERE property_id = ?"
        + " AND client_id = 'client-1'", p));
    n.put("recompute_jobs", rows(cassandra, "SELECT job_id FROM recompute_jobs WHERE job_id = ?", "job-" + p));
    n.put("recompute_queue", rows(cassandra, "SELECT job_id FROM recompute_queue WHERE shard = 0 AND job_id = ?",
        "job-" + p));
    n.put("recompute_jobs_by_property", rows(cassandra,
        "SELECT job_id FROM recompute_jobs_by_property WHERE property_id = ?", p));
    n.put("tombstones (Ignite)", join(node.vertx().executeBlocking(() ->
        tombstones.erased(p, "gone-" + p, null, 0L) ? 1L : 0L)));
    return n;
  }

  private static long rows(io.vertx.cassandra.CassandraClient cassandra, String cql, Object... values)
      throws Exception {
    return join(cassandra.prepare(cql).compose(ps -> cassandra.executeWithFullFetch(ps.bind(values)))).size();
  }

  private static void cql(io.vertx.cassandra.CassandraClient cassandra, String cql, Object... values)
      throws Exception {
    join(cassandra.prepare(cql).compose(ps -> cassandra.execute(ps.bind(values))));
  }

  @Test
  void theDefaultRetentionCoversPropertiesWithoutTheirOwn() {
    Instant now = Instant.parse("2026-11-26T10:15:00Z");
    RawRetention r = new RawRetention(null, null, null, null, 5, 3_600_000);
    // Longest in force is 8 days: partitions before it go whole; the default's and 3-day property's older rows by rewrite.
    String condition = r.expiredCondition(now, new java.util.TreeMap<>(Map.of("P-3", 3, "P-8", 8)), 8);
    assertThat(condition).isEqualTo("(property_id = 'P-3' AND ts < '2026-11-23T00:00:00Z') OR "
        + "(ts < '2026-11-21T00:00:00Z' AND property_id NOT IN ('P-3','P-8'))");
    // The default is the longest: only the shorter property needs a rewrite.
    assertThat(r.expiredCondition(now, Map.of("P-3", 3), 5)).isEqualTo("(property_id = 'P-3' AND ts < '2026-11-23T00:00:00Z')");
    assertThat(r.expiredCondition(now, Map.of(), 5)).isNull();
  }

  @Test
  void retentionDropsOnlyWholeDaysPastRetention() throws Exception {
    String property = BridgeTesting.propertyId();
    long now = System.currentTimeMillis();
    List<Hit> hits = List.of(fullHit(property, 1, now - 10 * DAY), fullHit(property, 2, now - 9 * DAY),
        fullHit(property, 3, now - DAY), fullHit(property, 4, now));
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(4L));

    // A default of 5 days and no property with its own retention: whole partitions before the cut-off go.
    RawRetention retention = new RawRetention(node.vertx(), node.context().clients().questdb(),
        () -> io.vertx.core.Future.succeededFuture(Map.of()), null, 5, 3_600_000);
    assertThat(join(retention.runOnce(Instant.ofEpochMilli(now))).getString("droppedBefore"))
        .isEqualTo(RawRetention.cutoff(Instant.ofEpochMilli(now), 5).toString());
    join(retention.runOnce(Instant.ofEpochMilli(now))); // nothing left to drop: still a success

    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(requestIds(property)).containsExactlyInAnyOrder(hits.get(2).requestId(), hits.get(3).requestId()));
    assertThat(RawRetention.cutoff(Instant.parse("2026-11-26T10:15:00Z"), 5)).isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
  }
}
