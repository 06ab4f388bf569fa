package io.beacon.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.session.SessionRules;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PropertiesTableTest {
  private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant UPDATED = Instant.parse("2026-02-01T00:00:00Z");
  private static final Instant DELETED = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void theCodecMapsEveryColumnOfTheSchemasTable() throws Exception {
    Map<String, String> schema = Fakes.schemaColumns(PropertiesTable.TABLE);
    assertThat(schema.remove("PRIMARY KEY")).isEqualTo(PropertiesTable.PROPERTY_ID);
    assertThat(PropertiesTable.COLUMNS).containsExactlyElementsOf(schema.keySet());
    // PropertyRecord's components are the columns, in order.
    assertThat(java.util.Arrays.stream(PropertyRecord.class.getRecordComponents()).map(c -> c.getName()).toList())
        .containsExactly("propertyId", "name", "timeZone", "allowedHostnames", "apiSecret", "keyEvents",
            "retentionDays", "respectDnt", "cookieless", "createdAt", "updatedAt", "sessionTimeoutMinutes",
            "engagedSessionSeconds", "plausibleDomains", "keptQueryParams", "streamIds", "gaPropertyId", "deletedAt");
  }

  @Test
  void writesBindOneValuePerMarker() {
    PropertyRecord p = record();
    assertThat(PropertiesTable.insertValues(p)).hasSize((int) Fakes.markers(PropertiesTable.insertIfNotExists()));
    assertThat(PropertiesTable.updateSettingsValues(p))
        .hasSize((int) Fakes.markers(PropertiesTable.updateSettingsIfExists()));
    assertThat(PropertiesTable.updateSecretValues("B-1", "s", UPDATED))
        .hasSize((int) Fakes.markers(PropertiesTable.updateSecretIfExists()));
    assertThat(PropertiesTable.updateSettingsIfExists()).isEqualTo("UPDATE properties SET name = ?, time_zone = ?,"
        + " allowed_hostnames = ?, key_events = ?, retention_days = ?, respect_dnt = ?, cookieless = ?,"
        + " session_timeout_minutes = ?, engaged_session_seconds = ?, plausible_domains = ?, kept_query_params = ?,"
        + " stream_ids = ?, ga_property_id = ?, updated_at = ?"
        + " WHERE property_id = ? IF EXISTS");
    assertThat(PropertiesTable.updateSettingsValues(p)).containsExactly("Shop", "Europe/Berlin",
        p.allowedHostnames(), p.keyEvents(), 30, true, false, 45, 20, p.plausibleDomains(), "utm_*,ref", p.streamIds(),
        "123456789", UPDATED, "B-1");
    assertThat(PropertiesTable.insertValues(p)).containsExactly("B-1", "Shop", "Europe/Berlin",
        p.allowedHostnames(), "s3cret", p.keyEvents(), 30, true, false, CREATED, UPDATED, 45, 20, p.plausibleDomains(),
        "utm_*,ref", p.streamIds(), "123456789", DELETED);
    assertThat(PropertiesTable.updateDeletedIfExists()).isEqualTo("UPDATE properties SET deleted_at = ?,"
        + " updated_at = ? WHERE property_id = ? IF EXISTS");
    assertThat(PropertiesTable.updateDeletedValues("B-1", DELETED, UPDATED)).containsExactly(DELETED, UPDATED, "B-1");
    assertThat(PropertiesTable.updateDeletedValues("B-1", null, UPDATED))
        .hasSize((int) Fakes.markers(PropertiesTable.updateDeletedIfExists()));
    assertThat(PropertiesTable.selectStreamIds()).isEqualTo("SELECT property_id, stream_ids FROM properties");
    assertThat(PropertiesTable.selectPlausibleDomains()).isEqualTo("SELECT property_id, plausible_domains FROM properties");
    assertThat(PropertiesTable.selectZones("ks")).isEqualTo("SELECT property_id, time_zone FROM ks.properties");
  }

  @Test
  void aFullRowReadsAsWritten() {
    PropertyRecord p = record();
    Map<String, Object> row = new LinkedHashMap<>();
    Object[] values = PropertiesTable.insertValues(p);
    for (int i = 0; i < values.length; i++) {
      row.put(PropertiesTable.COLUMNS.get(i), values[i]);
    }
    assertThat(PropertyRecord.from(Fakes.row(row))).isEqualTo(p);
  }

  @Test
  void sessionSettingsReadAsRules() {
    assertThat(record().sessionRules()).isEqualTo(new SessionRules(45 * 60_000L, 20_000L));
    assertThat(PropertiesTable.selectReportingById()).isEqualTo("SELECT property_id, time_zone, key_events,"
        + " session_timeout_minutes, engaged_session_seconds FROM properties WHERE property_id = ?");
  }

  @Test
  void columnsNotSelectedOrNullReadAsEmpty() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("property_id", "B-2");
    row.put("time_zone", "Not/AZone");
    row.put("allowed_hostnames", null);
    row.put("retention_days", null);
    PropertyRecord p = PropertyRecord.from(Fakes.row(row));
    assertThat(p.propertyId()).isEqualTo("B-2");
    assertThat(p.name()).isNull();
    assertThat(p.allowedHostnames()).isEmpty();
    assertThat(p.keyEvents()).isEmpty();
    assertThat(p.retentionDays()).isNull();
    assertThat(p.respectDnt()).isFalse();
    assertThat(p.plausibleDomains()).isEmpty();
    assertThat(p.deleted()).as("rows of before the column, and restored ones: not deleted").isFalse();
    assertThat(p.purgeAfter()).isNull();
    assertThat(p.queryParamPolicy()).as("never set: the default allow-list").isEqualTo(
        io.beacon.model.attribution.QueryParamPolicy.DEFAULT);
    assertThat(p.sessionRules()).as("no session settings: GA4's defaults").isEqualTo(SessionRules.GA4);
    assertThat(p.zone()).isEqualTo(ZoneOffset.UTC);
    assertThat(PropertyRecord.zoneOf("Europe/Berlin")).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(PropertyRecord.zoneOf(" ")).isEqualTo(ZoneOffset.UTC);
  }

  @Test
  void aDeletedPropertyLeavesTheTrashThirtyFiveDaysAfterItsDeletion() {
    // GA4's trash: 35 days from the deletion, to the instant.
    assertThat(record().deleted()).isTrue();
    assertThat(record().purgeAfter()).isEqualTo(Instant.parse("2026-04-05T10:00:00Z"));
    assertThat(record().withDeletedAt(null).deleted()).isFalse();
  }

  @Test
  void setsKeepTheStoredOrder() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("property_id", "B-3");
    row.put("allowed_hostnames", new LinkedHashSet<>(List.of("a.example", "b.example", "c.example")));
    assertThat(List.copyOf(PropertyRecord.from(Fakes.row(row)).allowedHostnames()))
        .containsExactly("a.example", "b.example", "c.example");
  }

  private static PropertyRecord record() {
    return new PropertyRecord("B-1", "Shop", "Europe/Berlin", new LinkedHashSet<>(List.of("shop.example")), "s3cret",
        Set.of("purchase"), 30, true, false, CREATED, UPDATED, 45, 20, new LinkedHashSet<>(List.of("shop.example", "shop.example/blog")),
        "utm_*,ref", new LinkedHashSet<>(List.of("G-ABC123XYZ", "1:1234567890:android:0a1b2c3d")), "123456789",
        DELETED);
  }

  @Test
  void streamIdsAreSpelledOneWayAndKnownByKind() {
    assertThat(StreamIds.normalize(" g-abc123xyz ")).isEqualTo("G-ABC123XYZ");
    assertThat(StreamIds.normalize("ua-12345678-1")).isEqualTo("UA-12345678-1");
    assertThat(StreamIds.kindOf("G-ABC123XYZ")).contains(StreamIds.Kind.GA4_WEB);
    assertThat(StreamIds.kindOf("UA-12345678-1")).contains(StreamIds.Kind.UNIVERSAL);
    assertThat(StreamIds.kindOf(StreamIds.normalize("1:1234567890:ANDROID:0A1B2C3D")))
        .contains(StreamIds.Kind.FIREBASE_APP);
    assertThat(StreamIds.kindOf("1:1234567890:ios:0a1b2c3d")).contains(StreamIds.Kind.FIREBASE_APP);
    for (String bad : new String[] {"B-12345678", "G-", "G-AB", "UA-1", "UA-1-2-3", "1:2:windows:ab", "shop.example",
        "G-ABC;DROP", ""}) {
      assertThat(StreamIds.valid(StreamIds.normalize(bad))).as(bad).isFalse();
    }
  }

  @Test
  void plausibleDomainsAreSpelledOneWay() {
    assertThat(PlausibleDomains.normalize("  WWW.Shop.Example ")).isEqualTo("shop.example");
    assertThat(PlausibleDomains.normalize("www.")).isEmpty();
    assertThat(PlausibleDomains.normalize(null)).isNull();
    assertThat(List.of("shop.example", "shop.example/blog", "localhost:3000", "münchen.example", "a"))
        .allMatch(PlausibleDomains::valid);
    assertThat(java.util.Arrays.asList("", "shop.example,other.example", "shop example", "-shop.example",
        "shop..example", "shop.example/", "https://shop.example", "<b>.example", "a".repeat(254), null))
        .noneMatch(PlausibleDomains::valid);
  }
}
