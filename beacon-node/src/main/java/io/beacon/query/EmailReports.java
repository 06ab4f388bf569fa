package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.infra.config.MailConfig;
import io.beacon.query.auth.Accounts;
import io.beacon.query.digest.DigestContent;
import io.beacon.query.digest.DigestFigures;
import io.beacon.query.digest.DigestPeriod;
import io.beacon.query.digest.Frequency;
import io.beacon.store.cassandra.DigestSubscriptionsTable;
import io.beacon.store.cassandra.DigestSubscriptionsTable.Subscription;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.beacon.store.cassandra.SentDigestsTable;
import io.beacon.store.cassandra.SentDigestsTable.SentDigest;
import io.beacon.store.cassandra.SentDigestsTable.Status;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled email reports (README, "Email reports"; docs/architecture.md): every query instance looks for due
 * digests every {@code mail.reports.tickMs}; before sending one it claims it with a lightweight transaction in
 * {@link SentDigestsTable}, so of all the cluster's instances exactly one sends each (property, frequency, period,
 * recipient). Everything is asynchronous (the Cassandra driver, the mail client, reports on the report workers): no
 * event loop waits. Logs name properties and counts, never an address or a secret.
 */
final class EmailReports {
  private static final Logger LOG = LoggerFactory.getLogger(EmailReports.class);
  /** The first retry of a failed send waits this long, each next one twice as long (at most {@link #MAX_BACKOFF}). */
  private static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
  private static final Duration MAX_BACKOFF = Duration.ofHours(6);

  private final Vertx vertx;
  private final Accounts accounts;
  private final ReportHandler reports;
  private final MailConfig cfg;
  private final MailClient mail;
  private final String claimant;
  private final Clock clock;
  private boolean ticking;

  EmailReports(Vertx vertx, Accounts accounts, ReportHandler reports, MailConfig cfg, String claimant, Clock clock) {
    this.vertx = vertx;
    this.accounts = accounts;
    this.reports = reports;
    this.cfg = cfg;
    this.claimant = claimant;
    this.clock = clock;
    this.mail = cfg.configured() ? MailClient.createShared(vertx, mailConfig(cfg), "beacon-mail") : null;
  }

  static io.vertx.ext.mail.MailConfig mailConfig(MailConfig c) {
    io.vertx.ext.mail.MailConfig m = new io.vertx.ext.mail.MailConfig().setHostname(c.host()).setPort(c.port())
        .setSsl(c.ssl()).setStarttls(switch (c.startTls()) {
          case REQUIRED -> StartTLSOptions.REQUIRED;
          case OPTIONAL -> StartTLSOptions.OPTIONAL;
          case DISABLED -> StartTLSOptions.DISABLED;
        }).setKeepAlive(false);
    boolean login = c.username() != null && !c.username().isEmpty();
    m.setLogin(login ? LoginOption.REQUIRED : LoginOption.DISABLED);
    if (login) {
      m.setUsername(c.username()).setPassword(c.password());
    }
    return m;
  }

  boolean canSend() {
    return mail != null;
  }

  /** Starts the periodic look for due digests; returns the timer's id. */
  long schedule() {
    return vertx.setPeriodic(Math.min(5_000, cfg.reports().tickMs()), cfg.reports().tickMs(), id -> {
      if (ticking) {
        return; // the last tick is still at work (a slow SMTP server): never two at once per instance
      }
      ticking = true;
      tick().onComplete(r -> {
        ticking = false;
        if (r.failed()) {
          LOG.warn("Email reports: the tick failed: {}", r.cause().toString());
        }
      });
    });
  }

  /** One look: sends every due digest this instance can claim; completes with how many it sent. */
  Future<Integer> tick() {
    Instant now = clock.instant();
    return accounts.rows(DigestSubscriptionsTable.selectAll()).compose(rows -> {
      Map<String, List<Subscription>> byProperty = new LinkedHashMap<>();
      rows.stream().map(DigestSubscriptionsTable::from)
          .forEach(s -> byProperty.computeIfAbsent(s.propertyId(), k -> new ArrayList<>()).add(s));
      AtomicInteger sent = new AtomicInteger();
      Future<Void> chain = Future.succeededFuture();
      for (Map.Entry<String, List<Subscription>> e : byProperty.entrySet()) {
        // One property after the other: a tick is background work, and the SMTP server needs no burst.
        chain = chain.compose(v -> property(e.getKey(), e.getValue(), now).<Void>map(n -> {
          sent.addAndGet(n);
          return null;
        }).recover(err -> {
          LOG.warn("Email reports of property {}: {}", e.getKey(), err.toString());
          return Future.<Void>succeededFuture();
        }));
      }
      return chain.map(v -> {
        if (sent.get() > 0) {
          LOG.info("Email reports: {} sent", sent.get());
        }
        return sent.get();
      });
    });
  }

  private Future<Integer> property(String propertyId, List<Subscription> subs, Instant now) {
    return accounts.rows(PropertiesTable.selectById(), propertyId).compose(rows -> {
      if (rows.isEmpty()) {
        return Future.succeededFuture(0);
      }
      PropertyRecord p = PropertyRecord.from(rows.get(0));
      if (p.deletedAt() != null) {
        return Future.succeededFuture(0); // in the trash: no reports (its purge removes the subscriptions)
      }
      ZoneId zone = ZoneId.of(p.timeZone() == null ? "UTC" : p.timeZone());
      AtomicInteger sent = new AtomicInteger();
      Future<Void> chain = Future.succeededFuture();
      for (Frequency f : Frequency.values()) {
        List<String> recipients = subs.stream().filter(s -> f.name().equals(s.frequency())).map(Subscription::recipient)
            .toList();
        DigestPeriod period = DigestPeriod.lastComplete(f, now, zone);
        if (recipients.isEmpty() || now.isBefore(period.dueAt(zone, cfg.reports().sendHour()))) {
          continue;
        }
        chain = chain.compose(v -> due(p, zone, period, recipients, now).<Void>map(n -> {
          sent.addAndGet(n);
          return null;
        }));
      }
      return chain.map(v -> sent.get());
    });
  }

  /** The recipients of one period whose digest this instance claims, then the figures once, then each message. */
  private Future<Integer> due(PropertyRecord p, ZoneId zone, DigestPeriod period, List<String> recipients, Instant now) {
    return accounts.rows(SentDigestsTable.selectPeriod(), p.propertyId(), period.frequency().name(), period.start())
        .compose(rows -> {
          Map<String, SentDigest> known = new LinkedHashMap<>();
          rows.stream().map(SentDigestsTable::from).forEach(d -> known.put(d.recipient(), d));
          List<String> open = recipients.stream().filter(r -> claimable(known.get(r), now)).toList();
          if (open.isEmpty()) {
            return Future.succeededFuture(0);
          }
          return figures(p.propertyId(), zone, period).compose(figures -> {
            DigestContent.Message message = DigestContent.build(p.propertyId(), p.name(), zone, period, figures,
                cfg.publicDashboardUrl());
            AtomicInteger sent = new AtomicInteger();
            Future<Void> chain = Future.succeededFuture();
            for (String r : open) {
              chain = chain.compose(v -> claim(p.propertyId(), period, r, known.get(r), now).compose(attempt -> {
                if (attempt == 0) {
                  return Future.<Void>succeededFuture(); // another instance holds it
                }
                return send(r, message).compose(ok -> {
                  sent.incrementAndGet();
                  return accounts.rows(SentDigestsTable.markSent(), clock.instant(), p.propertyId(),
                      period.frequency().name(), period.start(), r, claimant, attempt).<Void>mapEmpty();
                }, err -> {
                  // The mail client's message names the server's answer, not the address.
                  LOG.warn("Email reports: a {} report of property {} could not be sent (attempt {}): {}",
                      period.frequency().adjective(), p.propertyId(), attempt, err.getClass().getSimpleName());
                  return accounts.rows(SentDigestsTable.markFailed(), clock.instant().plus(backoff(attempt)),
                      err.getClass().getSimpleName(), p.propertyId(), period.frequency().name(), period.start(), r,
                      claimant, attempt).<Void>mapEmpty();
                });
              }));
            }
            return chain.map(v -> sent.get());
          });
        });
  }

  /** Whether a digest in state {@code d} (null: never claimed) may be claimed at {@code now}. */
  private boolean claimable(SentDigest d, Instant now) {
    if (d == null) {
      return true;
    }
    return switch (d.status()) {
      case SENT -> false;
      case FAILED -> d.attempts() < cfg.reports().maxAttempts() && (d.nextAttemptAt() == null
          || !now.isBefore(d.nextAttemptAt()));
      case SENDING -> d.claimedAt() != null
          && d.claimedAt().plus(Duration.ofMinutes(cfg.reports().claimTimeoutMinutes())).isBefore(now);
    };
  }

  /**
   * Claims one digest: the first claim inserts IF NOT EXISTS; a failed or abandoned one is retaken IF its status and
   * attempts are still those read. Completes with the attempt this instance holds, or 0 when another got it.
   */
  private Future<Integer> claim(String propertyId, DigestPeriod period, String recipient, SentDigest seen, Instant now) {
    if (seen == null) {
      return accounts.rows(SentDigestsTable.claim(), propertyId, period.frequency().name(), period.start(), recipient,
          claimant, now).map(rows -> rows.isEmpty() || rows.get(0).getBoolean(0) ? 1 : 0);
    }
    int attempt = seen.attempts() + 1;
    return accounts.rows(SentDigestsTable.retake(), claimant, now, attempt, propertyId, period.frequency().name(),
        period.start(), recipient, seen.status().name(), seen.attempts())
        .map(rows -> rows.isEmpty() || rows.get(0).getBoolean(0) ? attempt : 0);
  }

  static Duration backoff(int attempt) {
    Duration d = FIRST_BACKOFF.multipliedBy(1L << Math.min(20, attempt - 1));
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  /** Sends {@code message} to {@code recipient}: one multipart/alternative message (text and HTML). */
  Future<Void> send(String recipient, DigestContent.Message message) {
    if (mail == null) {
      return Future.failedFuture(new ApiException(503, "", "no SMTP server is configured (mail.host)"));
    }
    return mail.sendMail(new MailMessage().setFrom(cfg.from()).setTo(recipient).setSubject(message.subject())
        .setText(message.text()).setHtml(message.html())).mapEmpty();
  }

  /** The report of {@code period} for {@code propertyId} to {@code recipient} now, unclaimed: {@code sendNow}. */
  Future<DigestContent.Message> sendNow(PropertyRecord p, Frequency f, String recipient) {
    ZoneId zone = ZoneId.of(p.timeZone() == null ? "UTC" : p.timeZone());
    DigestPeriod period = DigestPeriod.lastComplete(f, clock.instant(), zone);
    return figures(p.propertyId(), zone, period).compose(figures -> {
      DigestContent.Message m = DigestContent.build(p.propertyId(), p.name(), zone, period, figures,
          cfg.publicDashboardUrl());
      return send(recipient, m).map(m);
    });
  }

  private static final List<String> TOTALS = List.of("totalUsers", "sessions", "screenPageViews", "engagedSessions",
      "activeUsers", "userEngagementDuration", "keyEvents");

  /** The overview's numbers for {@code period} and the one before, and its top lists: three reports. */
  Future<DigestFigures> figures(String propertyId, ZoneId zone, DigestPeriod period) {
    JsonArray ranges = new JsonArray().add(range(period)).add(range(period.previous()));
    JsonObject totals = new JsonObject().put("dateRanges", ranges).put("metrics", metrics(TOTALS));
    Future<JsonObject> t = reports.internalReport(propertyId, zone, totals);
    Future<JsonObject> pages = reports.internalReport(propertyId, zone, top(period, "pagePath", "screenPageViews"));
    Future<JsonObject> sources = reports.internalReport(propertyId, zone, top(period, "sessionSource", "sessions"));
    return Future.all(t, pages, sources).map(v -> new DigestFigures(totals(t.result(), "date_range_0"),
        totals(t.result(), "date_range_1"), ranked(pages.result()), ranked(sources.result())));
  }

  private static JsonObject range(DigestPeriod p) {
    return new JsonObject().put("startDate", p.start().toString()).put("endDate", p.end().toString());
  }

  private static JsonArray metrics(List<String> names) {
    JsonArray a = new JsonArray();
    names.forEach(n -> a.add(new JsonObject().put("name", n)));
    return a;
  }

  private static JsonObject top(DigestPeriod period, String dimension, String metric) {
    return new JsonObject().put("dateRanges", new JsonArray().add(range(period)))
        .put("dimensions", new JsonArray().add(new JsonObject().put("name", dimension)))
        .put("metrics", metrics(List.of(metric)))
        .put("orderBys", new JsonArray().add(new JsonObject().put("desc", true)
            .put("metric", new JsonObject().put("metricName", metric))))
        .put("limit", DigestFigures.TOP);
  }

  /** The row of {@code dateRange} in a two-range report without dimensions (none: no data, all 0). */
  static DigestFigures.Totals totals(JsonObject report, String dateRange) {
    JsonArray headers = report.getJsonArray("metricHeaders", new JsonArray());
    for (Object o : report.getJsonArray("rows", new JsonArray())) {
      JsonObject row = (JsonObject) o;
      JsonArray dims = row.getJsonArray("dimensionValues", new JsonArray());
      if (dims.isEmpty() || !dateRange.equals(dims.getJsonObject(0).getString("value"))) {
        continue;
      }
      Map<String, Double> m = new LinkedHashMap<>();
      JsonArray values = row.getJsonArray("metricValues");
      for (int i = 0; i < headers.size(); i++) {
        m.put(headers.getJsonObject(i).getString("name"), Double.parseDouble(values.getJsonObject(i).getString("value")));
      }
      return new DigestFigures.Totals(Math.round(m.get("totalUsers")), Math.round(m.get("sessions")),
          Math.round(m.get("screenPageViews")), Math.round(m.get("engagedSessions")), Math.round(m.get("activeUsers")),
          m.get("userEngagementDuration"), Math.round(m.get("keyEvents")));
    }
    return DigestFigures.Totals.NONE;
  }

  static List<DigestFigures.Ranked> ranked(JsonObject report) {
    List<DigestFigures.Ranked> out = new ArrayList<>();
    for (Object o : report.getJsonArray("rows", new JsonArray())) {
      JsonObject row = (JsonObject) o;
      out.add(new DigestFigures.Ranked(row.getJsonArray("dimensionValues").getJsonObject(0).getString("value"),
          Math.round(Double.parseDouble(row.getJsonArray("metricValues").getJsonObject(0).getString("value")))));
    }
    return out.size() > DigestFigures.TOP ? out.subList(0, DigestFigures.TOP) : out;
  }
}
