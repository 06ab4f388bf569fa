package io.beacon.recompute;

import io.beacon.infra.clients.PropertyLookup;
import io.beacon.api.ReportJson;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.beacon.infra.config.RecomputeConfig;
import io.beacon.model.aggregation.Lateness;
import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.ReportEngine;
import io.beacon.model.report.ReportRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.ignite.IgniteCache;

/**
 * Ad-hoc reports from raw hits: looks the normalized request up in the report cache (Ignite, read-through from
 * Cassandra); on a miss streams the range's raw hits from QuestDB with their session scope ({@link ScopedRead}),
 * groups them with {@link AdHocAggregation}, stores every row through the write-through cache and answers the
 * requested page. Identical concurrent requests share one computation ({@link LoadControl}).
 */
final class AdHocReports {
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  /**
   * Margin after the lateness window for hits still in the pipeline (Kafka, the bridge's batch, the stream's
   * session settle): what {@link io.beacon.model.report.ReportEngine#FINAL_AFTER} adds to the 72 h.
   */
  private static final Duration SETTLE = io.beacon.model.report.ReportEngine.FINAL_AFTER
      .minus(Lateness.MAX_LATENESS);

  private final Vertx vertx;
  private final RecomputeConfig config;
  private final ScopedRead scoped;
  private final IgniteCache<String, CachedReport> cache;
  private final LoadControl load;
  private final MeterRegistry meters;

  AdHocReports(Vertx vertx, RecomputeConfig config, ScopedRead scoped, IgniteCache<String, CachedReport> cache,
               LoadControl load, MeterRegistry meters) {
    this.vertx = vertx;
    this.config = config;
    this.scoped = scoped;
    this.cache = cache;
    this.load = load;
    this.meters = meters;
  }

  /** Answers one {@link io.beacon.contract.RecomputeReportContract} request: the page of the report it asks for. */
  Future<ReportEngine.Report> run(String propertyId, ZoneId zone, ReportRequest request, JsonObject body) {
    return scoped.settings(propertyId).compose(settings -> {
      String key = key(propertyId, zone, settings, request, body);
      return vertx.executeBlocking(() -> cache.get(key), false).compose(cached -> {
        if (cached != null && cached.validUntil > System.currentTimeMillis()) {
          meters.counter("beacon_recompute_reports_total", "cache", "hit").increment();
          return Future.succeededFuture(answer(request, zone, cached, "hit"));
        }
        return load.submit(propertyId, key, () -> compute(propertyId, zone, settings, request, key))
            .map(fresh -> answer(request, zone, fresh, "miss"));
      });
    });
  }

  private Future<CachedReport> compute(String propertyId, ZoneId zone, PropertyLookup.Reporting settings,
      ReportRequest request, String key) {
    Timer.Sample sample = Timer.start(meters);
    java.util.Set<String> columns = AdHocAggregation.columns(request);
    // One sequential read: sessions must be whole (a time slice would cut them), and first visits found early in
    // the read decide new users later in it.
    AdHocAggregation total = new AdHocAggregation(request, zone, config.maxGroups());
    return scoped.stream(propertyId, settings, intervals(request, zone), columns, null, total::add).compose(rows -> {
      meters.counter("beacon_recompute_hits_scanned_total", "kind", "report").increment(total.hits());
      java.util.Map<String, Object> metadata = ReportEngine.metadata("recompute", zone);
      byte[] report = gzip(ReportJson.toJson(ReportEngine.all(request, total.groups(), metadata)).toBuffer()
          .getBytes());
      long now = System.currentTimeMillis();
      long ttl = closed(request, zone, now) ? config.closedCacheTtlMs() : config.openCacheTtlMs();
      CachedReport fresh = new CachedReport(propertyId, report, total.hits(), now, now + ttl);
      meters.counter("beacon_recompute_reports_total", "cache", "miss").increment();
      sample.stop(meters.timer("beacon_recompute_report_seconds"));
      // Write-through: once put returns, Cassandra has it too, and any recompute node serves it next time.
      return vertx.executeBlocking(() -> {
        cache.put(key, fresh);
        return fresh;
      }, false);
    });
  }

  private static ReportEngine.Report answer(ReportRequest request, ZoneId zone, CachedReport cached, String cacheState) {
    ReportEngine.Report all = ReportJson.fromJson(new JsonObject(new String(gunzip(cached.report),
        StandardCharsets.UTF_8)));
    all.metadata().put("cache", cacheState);
    all.metadata().put("hitsScanned", cached.hitsScanned);
    all.metadata().put("computedAt", Instant.ofEpochMilli(cached.computedAt).toString());
    all.metadata().put("validUntil", Instant.ofEpochMilli(cached.validUntil).toString());
    ReportEngine.putFreshness(all.metadata(), request, zone, System.currentTimeMillis());
    return ReportEngine.page(request, all);
  }

  /** Whether no hit can still arrive for any day of the request: every range ended before the lateness window. */
  static boolean closed(ReportRequest request, ZoneId zone, long now) {
    return request.dateRanges().stream().allMatch(r -> r.end().plusDays(1).atStartOfDay(zone).toInstant()
        .plus(Lateness.MAX_LATENESS).plus(SETTLE).toEpochMilli() < now);
  }

  /** The UTC intervals covering the request's date ranges, overlapping ones merged (each hit is read once). */
  static List<Instant[]> intervals(ReportRequest request, ZoneId zone) {
    List<Instant[]> in = new ArrayList<>();
    for (DateRangeSpec r : request.dateRanges()) {
      in.add(new Instant[] {r.start().atStartOfDay(zone).toInstant(), r.end().plusDays(1).atStartOfDay(zone).toInstant()});
    }
    in.sort((a, b) -> a[0].compareTo(b[0]));
    List<Instant[]> out = new ArrayList<>();
    for (Instant[] i : in) {
      Instant[] last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && !i[0].isAfter(last[1])) {
        last[1] = i[1].isAfter(last[1]) ? i[1] : last[1];
      } else {
        out.add(i.clone());
      }
    }
    return out;
  }

  /**
   * The cache key: SHA-256 of what determines the rows (property, zone, resolved ranges, dimensions, metrics,
   * filter with its keys sorted, the metric filter likewise, whether empty rows are kept and whether totals are
   * asked for, and the property's key-event names, which apply to history), not of the order, page, maximums and
   * minimums, which are applied on read, and of the metrics' semantics ({@code s}: changed when a metric's meaning or
   * bound changes, so reports cached before are not served).
   */
  static String key(String propertyId, ZoneId zone, PropertyLookup.Reporting settings, ReportRequest request,
      JsonObject body) {
    Map<String, Object> k = new LinkedHashMap<>();
    k.put("p", propertyId);
    k.put("z", zone.getId());
    k.put("k", new java.util.TreeSet<>(settings.keyEvents()));
    if (!settings.sessionRules().equals(io.beacon.model.session.SessionRules.GA4)) {
      // Left out at the defaults, so reports cached before session settings existed keep their keys.
      k.put("t", List.of(settings.sessionRules().timeoutMs(), settings.sessionRules().engagedAfterMs()));
    }
    k.put("r", request.dateRanges().stream().map(r -> List.of(r.name(), r.start().toString(), r.end().toString()))
        .toList());
    k.put("d", request.dimensions());
    k.put("m", request.metrics().stream().map(Enum::name).toList());
    // 2: activeUsers counted apart from totalUsers, distinct counts exact up to 2,048 values.
    // 3: rows whose metrics are all 0 dropped unless keepEmptyRows (GA's default), totals stored with the rows.
    k.put("s", 3);
    k.put("e", request.keepEmptyRows());
    k.put("t", request.aggregations().contains(io.beacon.model.report.MetricAggregation.TOTAL));
    Object filter = body.getValue("dimensionFilter");
    Object metricFilter = body.getValue("metricFilter");
    try {
      k.put("f", filter instanceof JsonObject f ? CANONICAL.readValue(f.encode(), Map.class) : null);
      k.put("mf", metricFilter instanceof JsonObject f ? CANONICAL.readValue(f.encode(), Map.class) : null);
      byte[] canonical = CANONICAL.writeValueAsBytes(k);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] gunzip(byte[] bytes) {
    try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return gz.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
