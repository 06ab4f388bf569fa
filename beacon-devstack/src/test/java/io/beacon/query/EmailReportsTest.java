package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.query.digest.DigestPeriod;
import io.beacon.query.digest.Frequency;
import io.beacon.testing.AggregateSeeder;
import io.beacon.testing.Dashboard;
import io.beacon.testing.FreePorts;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.beacon.testing.Scoping;
import io.vertx.core.json.JsonObject;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Email reports end to end (issue 22, item 6): a real node with two query instances sends through a real SMTP server
 * (GreenMail, in this JVM, with a login whose password the node reads from a file) the weekly report of a property
 * whose aggregates hold two weeks of generated hits; the numbers in the message's text and HTML parts equal those
 * computed from the hits by plain loops here. The scheduler (a 1 s tick, due at hour 0) sends each subscriber one
 * message however many instances tick; later ticks send nothing more.
 */
@ExtendWith(RealStack.class)
class EmailReportsTest {
  private static final String PROPERTY = "B-MAILRPT1";
  private static final String NAME = "Mail & Co";
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final String ADMIN = "mail-admin@example.com";
  private static final String ADMIN_PASSWORD = "a long admin password";
  private static final List<String> PAGES = List.of("/", "/pricing", "/blog", "/docs");
  private static final List<String> SOURCES = List.of("google", "news.example", "newsletter", "bing");
  private static GreenMail smtp;
  private static NodeProcess node;
  private static List<Hit> hits;
  private static DigestPeriod week;

  @BeforeAll
  static void start(LocalStack stack, @TempDir Path tmp) throws Exception {
    smtp = new GreenMail(new ServerSetup(FreePorts.one(), "127.0.0.1", "smtp"));
    smtp.setUser("beacon@example.com", "beacon-relay", "relay-secret");
    smtp.start();
    Path password = tmp.resolve("smtp_password");
    Files.writeString(password, "relay-secret\n");
    node = new NodeProcess("mail-node", stack, Cluster.fresh(2, 3_000), Map.ofEntries(
        Map.entry("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0"),
        Map.entry("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0"),
        // Two instances tick: the claim in Cassandra makes one of them send each report.
        Map.entry("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "2"),
        Map.entry("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0"),
        Map.entry("BEACON_QUERY_ADMIN_EMAIL", ADMIN), Map.entry("BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD),
        Map.entry("BEACON_MAIL_HOST", "127.0.0.1"),
        Map.entry("BEACON_MAIL_PORT", Integer.toString(smtp.getSmtp().getPort())),
        // GreenMail's SMTP here is plain: the default (REQUIRED) would refuse it, as it should.
        Map.entry("BEACON_MAIL_START_TLS", "DISABLED"),
        Map.entry("BEACON_MAIL_USERNAME", "beacon-relay"),
        Map.entry("BEACON_MAIL_PASSWORD_FILE", password.toString()),
        Map.entry("BEACON_MAIL_FROM", "beacon@example.com"),
        Map.entry("BEACON_MAIL_PUBLIC_DASHBOARD_URL", "https://beacon.example"),
        Map.entry("BEACON_MAIL_REPORTS_ENABLED", "true"),
        Map.entry("BEACON_MAIL_REPORTS_SEND_HOUR", "0"),
        Map.entry("BEACON_MAIL_REPORTS_TICK_MS", "1000")));
    node.start().awaitReady(Duration.ofSeconds(150));
    week = DigestPeriod.lastComplete(Frequency.WEEKLY, Instant.now(), ZONE);
    hits = generate(new Random(22));
    Aggregator agg = new Aggregator(p -> ZONE);
    Scoping.scopeAll(hits).forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateSeeder.write(stack, agg, cql -> {
      cql.execute("INSERT INTO properties (property_id, name, time_zone)"
          + " VALUES ('" + PROPERTY + "', '" + NAME + "', '" + ZONE + "')");
      // A stack kept from an earlier run of this class: its subscriptions and claims would change the counts.
      cql.execute("DELETE FROM digest_subscriptions WHERE property_id = '" + PROPERTY + "'");
      cql.execute("DELETE FROM sent_digests WHERE property_id = '" + PROPERTY + "' AND frequency = 'WEEKLY'"
          + " AND period_start = '" + week.start() + "'");
    });
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (smtp != null) {
      smtp.stop();
    }
  }

  /**
   * Two weeks (the reported one and the one before) of 40 clients' sessions, each within a few minutes of one local
   * day: an engaged session has 2-3 page views with engagement time (and maybe a purchase, a key event), the others
   * one page view without; a client's first session is engaged, so its users are active where they are counted.
   */
  private static List<Hit> generate(Random rnd) {
    List<Hit> out = new ArrayList<>();
    LocalDate first = week.previous().start();
    int n = 0;
    for (int c = 0; c < 40; c++) {
      int sessions = 1 + rnd.nextInt(4);
      List<Integer> days = new ArrayList<>();
      for (int s = 0; s < sessions; s++) {
        days.add(rnd.nextInt(14));
      }
      days.sort(Comparator.naturalOrder());
      for (int s = 0; s < sessions; s++) {
        boolean engaged = s == 0 || rnd.nextInt(10) < 6;
        String source = SOURCES.get(rnd.nextInt(SOURCES.size()));
        long start = first.plusDays(days.get(s)).atTime(9 + rnd.nextInt(10), rnd.nextInt(60)).atZone(ZONE).toInstant()
            .toEpochMilli() + s;
        List<String> events = new ArrayList<>();
        int views = engaged ? 2 + rnd.nextInt(2) : 1;
        for (int v = 0; v < views; v++) {
          events.add("page_view");
        }
        if (engaged && rnd.nextInt(3) == 0) {
          events.add("purchase");
        }
        for (int e = 0; e < events.size(); e++) {
          boolean view = events.get(e).equals("page_view");
          out.add(hit("c" + c, "s" + c + "-" + s, "r" + n++, start + e * 20_000L, events.get(e),
              engaged ? 3_000 + rnd.nextInt(5_000) : 0, !view, view ? PAGES.get(rnd.nextInt(PAGES.size())) : "/checkout",
              source, false));
        }
      }
    }
    // Bots: never counted.
    for (int b = 0; b < 5; b++) {
      out.add(hit("bot" + b, "bs" + b, "rb" + b, week.start().atTime(12, 0).atZone(ZONE).toInstant().toEpochMilli(),
          "page_view", 0, false, "/", "google", true));
    }
    return out;
  }

  private static Hit hit(String client, String session, String request, long ts, String event, long engagementMs,
                         boolean keyEvent, String path, String source, boolean bot) {
    return Hit.builder().propertyId(PROPERTY).clientId(client).requestId(request).sessionId(session).sessionNumber(1)
        .ts(ts).receivedAt(0).eventName(event).engagementMs(engagementMs).sessionEngaged(false).keyEvent(keyEvent)
        .firstVisit(false).sessionStart(false).hostname("mail.example").pagePath(path).source(source)
        .medium("referral").deviceCategory("desktop").browser("Chrome").os("Linux").country("DE").isBot(bot)
        .protocol("test").schemaVersion(Hit.SCHEMA_VERSION).build();
  }

  /** The KPIs of the non-bot hits between two local days (inclusive), by plain loops and exact sets. */
  private record Truth(long users, long sessions, long views, long engaged, long active, long engagementMs,
                       long keyEvents) {
    static Truth of(DigestPeriod p) {
      Set<String> users = new HashSet<>();
      Set<String> sessions = new HashSet<>();
      Set<String> engagedSessions = new HashSet<>();
      Set<String> active = new HashSet<>();
      long views = 0;
      long ms = 0;
      long keys = 0;
      Map<String, Integer> viewsBySession = new HashMap<>();
      for (Hit h : hits) {
        LocalDate d = Instant.ofEpochMilli(h.ts()).atZone(ZONE).toLocalDate();
        if (Boolean.TRUE.equals(h.isBot()) || d.isBefore(p.start()) || d.isAfter(p.end())) {
          continue;
        }
        users.add(h.clientId());
        sessions.add(h.sessionId());
        views += h.eventName().equals("page_view") ? 1 : 0;
        viewsBySession.merge(h.sessionId(), h.eventName().equals("page_view") ? 1 : 0, Integer::sum);
        ms += h.engagementMs();
        keys += Boolean.TRUE.equals(h.keyEvent()) ? 1 : 0;
      }
      for (Hit h : hits) {
        // Engaged: two page views (the generator's only way), whole session; sessions lie within one day.
        if (!Boolean.TRUE.equals(h.isBot()) && viewsBySession.getOrDefault(h.sessionId(), 0) >= 2) {
          engagedSessions.add(h.sessionId());
          active.add(h.clientId());
        }
      }
      return new Truth(users.size(), sessions.size(), views, engagedSessions.size(), active.size(), ms, keys);
    }

    double rate() {
      return sessions == 0 ? 0 : (double) engaged / sessions;
    }

    double perUser() {
      return active == 0 ? 0 : engagementMs / 1000.0 / active;
    }
  }

  private static String delta(double now, double before) {
    if (before == 0) {
      return now == 0 ? "-" : "new";
    }
    double pct = (now - before) / before * 100;
    String s = String.format(Locale.ROOT, "%.1f%%", Math.abs(pct));
    return s.equals("0.0%") ? s : (pct > 0 ? "+" : "-") + s;
  }

  private static String seconds(double s) {
    long r = Math.round(s);
    return r < 60 ? r + "s" : String.format(Locale.ROOT, "%dm %02ds", r / 60, r % 60);
  }

  /** The lines a person reads, computed from the hits: KPIs with deltas, then the top lists' rows. */
  private static List<String> expectedLines() {
    Truth now = Truth.of(week);
    Truth before = Truth.of(week.previous());
    List<String> lines = new ArrayList<>(List.of(
        "Users: " + now.users() + " (" + delta(now.users(), before.users()) + ")",
        "Sessions: " + now.sessions() + " (" + delta(now.sessions(), before.sessions()) + ")",
        "Views: " + now.views() + " (" + delta(now.views(), before.views()) + ")",
        "Engagement rate: " + String.format(Locale.ROOT, "%.1f%%", now.rate() * 100) + " ("
            + delta(now.rate(), before.rate()) + ")",
        "Avg. engagement time: " + seconds(now.perUser()) + " (" + delta(now.perUser(), before.perUser()) + ")",
        "Key events: " + now.keyEvents() + " (" + delta(now.keyEvents(), before.keyEvents()) + ")"));
    Map<String, Long> pageViews = new HashMap<>();
    Map<String, Set<String>> sourceSessions = new HashMap<>();
    for (Hit h : hits) {
      LocalDate d = Instant.ofEpochMilli(h.ts()).atZone(ZONE).toLocalDate();
      if (!Boolean.TRUE.equals(h.isBot()) && !d.isBefore(week.start()) && !d.isAfter(week.end())) {
        if (h.eventName().equals("page_view")) {
          pageViews.merge(h.pagePath(), 1L, Long::sum);
        }
        sourceSessions.computeIfAbsent(h.source(), k -> new HashSet<>()).add(h.sessionId());
      }
    }
    // Fewer pages and sources than a top list holds: every one is listed.
    pageViews.forEach((page, views) -> lines.add("  " + page + ": " + views + " views"));
    sourceSessions.forEach((source, s) -> lines.add("  " + source + ": " + s.size() + " sessions"));
    return lines;
  }

  @Test
  void subscribersGetOneReportEachWithTheNumbersOfTheHits() throws Exception {
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    String base = "/api/v1/properties/" + PROPERTY + "/emailReports";
    List<String> lines = expectedLines();
    String subject = "Beacon weekly report: " + NAME + ", " + week.label();

    // sendNow: the report to the caller, at once.
    HttpResponse<String> now = admin.post(base + ":sendNow", "{\"frequency\":\"WEEKLY\"}");
    assertThat(now.statusCode()).as(now.body()).isEqualTo(200);
    assertThat(new JsonObject(now.body()).getString("subject")).isEqualTo(subject);
    await("the caller's report").atMost(Duration.ofSeconds(10)).until(() -> ours(subject).size() == 1);
    checkMessage(ours(subject).get(0), ADMIN, subject, lines);

    // Two subscribers (one typed in capitals: stored as one mailbox); the scheduler sends each one report.
    for (String r : List.of("Ann@Example.com", "bob@example.com")) {
      HttpResponse<String> s = admin.post(base, "{\"frequency\":\"WEEKLY\",\"recipient\":\"" + r + "\"}");
      assertThat(s.statusCode()).as(s.body()).isEqualTo(201);
    }
    assertThat(admin.post(base, "{\"frequency\":\"WEEKLY\",\"recipient\":\"ann@example.com\"}").statusCode())
        .as("once per mailbox").isEqualTo(409);
    assertThat(admin.post(base, "{\"frequency\":\"DAILY\",\"recipient\":\"x@example.com\"}").statusCode()).isEqualTo(400);
    JsonObject list = new JsonObject(admin.get(base).body());
    assertThat(list.getJsonArray("subscriptions")).hasSize(2);
    assertThat(list.getBoolean("sending")).isTrue();

    await("one report per subscriber").atMost(Duration.ofSeconds(30)).until(() -> ours(subject).size() >= 3);
    // Later ticks (1 s apart, two instances) send nothing more.
    await("no second report").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
        .until(() -> ours(subject).size() == 3);
    List<MimeMessage> all = ours(subject);
    Map<String, MimeMessage> byRecipient = new HashMap<>();
    for (MimeMessage m : all.subList(1, all.size())) {
      assertThat(m.getAllRecipients()).hasSize(1);
      assertThat(byRecipient.put(m.getAllRecipients()[0].toString(), m)).as("one message per recipient").isNull();
    }
    assertThat(byRecipient.keySet()).containsExactlyInAnyOrder("ann@example.com", "bob@example.com");
    for (Map.Entry<String, MimeMessage> e : byRecipient.entrySet()) {
      checkMessage(e.getValue(), e.getKey(), subject, lines);
    }

    // Unsubscribed: gone from the list; 404 the second time.
    assertThat(admin.send("DELETE", base + "/WEEKLY/bob@example.com", null, true).statusCode()).isEqualTo(204);
    assertThat(admin.send("DELETE", base + "/WEEKLY/bob@example.com", null, true).statusCode()).isEqualTo(404);
    assertThat(new JsonObject(admin.get(base).body()).getJsonArray("subscriptions")).hasSize(1);
  }

  /**
   * The mails of this class's property, in arrival order: the scheduler also sends the digests of subscriptions
   * other test classes left in the shared keyspace (OpenApiRoutesTest subscribes its example property).
   */
  private static List<MimeMessage> ours(String subject) throws Exception {
    List<MimeMessage> mine = new java.util.ArrayList<>();
    for (MimeMessage m : smtp.getReceivedMessages()) {
      if (subject.equals(m.getSubject())) {
        mine.add(m);
      }
    }
    return mine;
  }

  /** The message as a person reads it: from, to, subject, and both parts with every expected line's numbers. */
  private static void checkMessage(MimeMessage m, String to, String subject, List<String> lines) throws Exception {
    assertThat(m.getFrom()).extracting(Object::toString).containsExactly("beacon@example.com");
    assertThat(m.getAllRecipients()).extracting(Object::toString).containsExactly(to);
    assertThat(m.getSubject()).isEqualTo(subject);
    String text = part(m, "text/plain");
    String html = part(m, "text/html");
    assertThat(text).as("the text part").isNotNull();
    assertThat(html).as("the HTML part").isNotNull();
    String plain = text.replace("\r\n", "\n");
    assertThat(plain).contains(week.label() + " (" + ZONE + "), compared with " + week.previous().label());
    for (String line : lines) {
      assertThat(plain).as("text part").contains(line + "\n");
      // The HTML holds the same values (the KPI's value and delta, the list row's count).
      String value = line.strip().replaceAll(".*: ", "").replaceAll(" \\(.*", "").replaceAll(" (views|sessions)$", "");
      assertThat(html).as("HTML part, for: " + line).contains(">" + value + "<");
      if (line.endsWith(")")) {
        assertThat(html).contains(">" + line.replaceAll(".*\\((.*)\\)$", "$1") + "<");
      }
    }
    assertThat(html).contains("Mail &amp; Co").doesNotContain("<img", "src=");
    assertThat(plain).contains("https://beacon.example/dashboard/#overview?p=" + PROPERTY);
  }

  /** The first part of {@code type} in a (possibly nested) multipart message, as text. */
  private static String part(Part p, String type) throws Exception {
    if (p.isMimeType(type)) {
      return p.getContent().toString();
    }
    if (p.isMimeType("multipart/*")) {
      Multipart mp = (Multipart) p.getContent();
      for (int i = 0; i < mp.getCount(); i++) {
        BodyPart b = mp.getBodyPart(i);
        String s = part(b, type);
        if (s != null) {
          return s;
        }
      }
    }
    return null;
  }
}
