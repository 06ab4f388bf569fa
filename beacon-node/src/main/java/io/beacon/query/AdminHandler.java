package io.beacon.query;

import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.PropertyRole;
import io.beacon.query.auth.Secrets;
import io.beacon.api.ApiException;
import io.beacon.contract.RecomputeJobRequest;
import io.beacon.contract.RecomputeJobsContract;
import io.beacon.model.aggregation.Lateness;
import io.beacon.model.report.ReportRequest;
import io.beacon.store.cassandra.PlausibleDomains;
import io.beacon.store.cassandra.StreamIds;
import io.beacon.model.session.SessionRules;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import io.beacon.model.attribution.QueryParamPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Properties, users and roles: the admin API behind the dashboard's settings pages and the CLI. */
final class AdminHandler {
  private static final Pattern HOST = Pattern.compile("^(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$");
  private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
  private static final DeliveryOptions HISTORY_SEND = new DeliveryOptions().setSendTimeout(15_000);
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]{1,255}$");
  private static final String PLAUSIBLE_DOMAINS = "plausibleDomains";
  private static final String STREAM_IDS = "streamIds";
  private static final String GA_PROPERTY_ID = "gaPropertyId";
  private static final String KEPT_QUERY_PARAMS = "keptQueryParams";

  private final Vertx vertx;
  private final Accounts accounts;
  private final AccessHandler access;
  private final String collectorUrl;
  /** {@code bridge.retentionDays}: how far back raw hits are kept when a property sets no retention (0: all). */
  private final int defaultRetentionDays;

  /** {@code query.maxPropertiesPerUser}: how many properties a user who is not an administrator may administer. */
  private final int maxPropertiesPerUser;

  AdminHandler(Vertx vertx, Accounts accounts, AccessHandler access, String collectorUrl, int defaultRetentionDays,
      int maxPropertiesPerUser) {
    this.maxPropertiesPerUser = maxPropertiesPerUser;
    this.vertx = vertx;
    this.accounts = accounts;
    this.access = access;
    this.collectorUrl = collectorUrl;
    this.defaultRetentionDays = defaultRetentionDays;
  }

  /** Creates a property; its creator becomes its admin. Answers its id, MP api secret and snippet. */
  void createProperty(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    PropertySettings s;
    Set<String> domains;
    Set<String> streams;
    String secret;
    String gaId;
    try {
      s = PropertySettings.parse(body);
      domains = plausibleDomains(body);
      streams = streamIds(body);
      secret = chosenSecret(body);
      gaId = gaPropertyId(body);
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    respond(rc, 201, mayCreate(caller).compose(v -> domainsFree(domains, null))
        .compose(v -> streamIdsFree(streams, null)).compose(v -> gaPropertyIdFree(gaId, null))
        .compose(v -> insertProperty(s, domains, streams, secret, gaId, 3))
        .compose(id -> accounts.grant(id, caller.email(), PropertyRole.ADMIN).compose(v -> property(id, true))));
  }

  /**
   * Administrators create any number of properties; any other user as long as they administer fewer than {@code
   * query.maxPropertiesPerUser} (0: none), so one account cannot create properties without bound (each one holds
   * tables' partitions, caches and a share of the collectors). Two creations at the same moment may both pass the
   * count: the cap can be passed by the requests in flight, not more.
   */
  private Future<Void> mayCreate(Caller caller) {
    if (caller.administers()) {
      return Future.succeededFuture();
    }
    if (maxPropertiesPerUser == 0) {
      return Future.failedFuture(new ApiException(403, "admin", "only administrators create properties"));
    }
    return accounts.propertiesOf(caller.email()).compose(roles -> {
      long owned = roles.values().stream().filter(r -> r == PropertyRole.ADMIN).count();
      return owned < maxPropertiesPerUser ? Future.<Void>succeededFuture()
          : Future.failedFuture(new ApiException(403, "admin", "you administer " + owned + " properties, the most a"
              + " user may create (query.maxPropertiesPerUser = " + maxPropertiesPerUser + "); ask an administrator"));
    });
  }

  /**
   * Inserts a property under a new random id; the insert is a lightweight transaction, and an id another
   * property already has (not applied) is drawn again rather than answered as created.
   */
  private Future<String> insertProperty(PropertySettings s, Set<String> domains, Set<String> streams, String secret,
      String gaId, int attempts) {
    String id = "B-" + Secrets.randomToken(6).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "X");
    Instant now = Instant.now();
    return accounts.rows(PropertiesTable.insertIfNotExists(),
            PropertiesTable.insertValues(s.toRecord(id, secret != null ? secret : Secrets.randomToken(24), now, now)
                .withPlausibleDomains(domains).withStreamIds(streams).withGaPropertyId(gaId)))
        .compose(rows -> {
          if (rows.isEmpty() || rows.get(0).getBoolean("[applied]")) {
            return Future.succeededFuture(id);
          }
          return attempts > 1 ? insertProperty(s, domains, streams, secret, gaId, attempts - 1)
              : Future.failedFuture(new ApiException(503, "", "no free property id was drawn; try again"));
        });
  }

  void listProperties(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    if ("true".equals(rc.request().getParam("deleted"))) {
      listDeleted(rc, caller);
      return;
    }
    respond(rc, 200, propertiesOf(caller).map(arr -> new JsonObject().put("properties", arr)));
  }

  /**
   * The properties {@code caller} has a role on, deleted ones left out, each with its role: the list of
   * {@code GET /api/v1/admin/properties}, and of the session's answer (AccessHandler#whoAmI).
   */
  Future<JsonArray> propertiesOf(Caller caller) {
    return accounts.propertiesOf(caller.email()).compose(roles -> {
      Future<JsonArray> all = Future.succeededFuture(new JsonArray());
      for (var e : roles.entrySet()) {
        // A read-only token holds no admin role: no api secret in its list.
        all = all.compose(arr -> property(e.getKey(), e.getValue() == PropertyRole.ADMIN && !caller.readOnly())
            .map(p -> arr.add(p.put("role", e.getValue().key()))).otherwise(arr));
      }
      return all;
    });
  }

  void getProperty(RoutingContext rc) {
    String id = rc.pathParam("id");
    respond(rc, 200, access.require(rc, id, PropertyRole.VIEWER)
        .compose(v -> access.require(rc, id, PropertyRole.ADMIN).map(true).otherwise(false))
        .compose(admin -> property(id, admin)));
  }

  /**
   * {@code PATCH}: the settings in the body replace those of the property, the others stay as they are. When the
   * key events or the session settings change, past days are rebuilt with the new ones (they apply to history:
   * docs/analytics-model.md, "Key events" and "Sessions"); the answer's {@code historyRecompute} lists the jobs, or says why none could be queued.
   */
  void updateProperty(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> record(id)).compose(before -> {
      PropertySettings s = PropertySettings.patch(before, body);
      Set<String> domains = body.containsKey(PLAUSIBLE_DOMAINS) ? plausibleDomains(body) : before.plausibleDomains();
      Set<String> added = new LinkedHashSet<>(domains);
      added.removeAll(before.plausibleDomains());
      Set<String> streams = body.containsKey(STREAM_IDS) ? streamIds(body) : before.streamIds();
      Set<String> addedStreams = new LinkedHashSet<>(streams);
      addedStreams.removeAll(before.streamIds());
      String gaId = body.containsKey(GA_PROPERTY_ID) ? gaPropertyId(body) : before.gaPropertyId();
      return domainsFree(added, id).compose(free -> streamIdsFree(addedStreams, id))
          .compose(free -> gaPropertyIdFree(gaId, id))
          .compose(free -> accounts.rows(PropertiesTable.updateSettingsIfExists(),
              PropertiesTable.updateSettingsValues(s.toRecord(id, null, null, Instant.now()).withPlausibleDomains(domains)
                  .withStreamIds(streams).withGaPropertyId(gaId))))
          .compose(v -> {
            List<String> reasons = new ArrayList<>();
            if (!s.keyEvents().equals(before.keyEvents())) {
              reasons.add("key-events");
            }
            if (!s.sessionRules().equals(before.sessionRules())) {
              reasons.add("session-settings");
            }
            return reasons.isEmpty() ? Future.<JsonObject>succeededFuture(null)
                : rebuildHistory(before, s, String.join(",", reasons), caller.email());
          });
    }).compose(history -> property(id, true).map(p -> history == null ? p : p.put("historyRecompute", history))));
  }

  /** Queues the rebuild of the property's days since it could first have had hits (within raw-hit retention). */
  private Future<JsonObject> rebuildHistory(PropertyRecord before, PropertySettings now, String reason,
      String requestedBy) {
    ZoneId zone = PropertyRecord.zoneOf(now.timeZone());
    LocalDate today = LocalDate.now(zone);
    // Hits may be dated up to the lateness window before the property was created.
    LocalDate from = before.createdAt() == null ? today.minusDays(ReportRequest.MAX_RANGE_DAYS - 1L)
        : LocalDate.ofInstant(before.createdAt().minus(Lateness.MAX_LATENESS), zone);
    int retention = now.retentionDays() != null ? now.retentionDays() : defaultRetentionDays;
    if (retention > 0 && from.isBefore(today.minusDays(retention))) {
      from = today.minusDays(retention);
    }
    JsonObject answer = new JsonObject().put("reason", reason).put("from", from.toString());
    return RecomputeJobsContract.request(vertx, new RecomputeJobRequest.History(before.propertyId(), zone, from,
            reason, requestedBy), HISTORY_SEND)
        .map(jobs -> answer.put("jobs", new JsonArray(jobs.jobs().stream().map(j -> j.toJson()).toList())))
        .recover(e -> {
          LOG.warn("Settings ({}) of property {} changed, but no recompute job could be queued for past days: {}",
              reason, before.propertyId(), e.toString());
          return Future.succeededFuture(answer.put("error", "no recompute node queued the rebuild of past days ("
              + e.getMessage() + "); start it with POST /api/v1/admin/recompute"));
        });
  }

  /** The property's row, or 404 (a deleted property's names the deletion). */
  private Future<PropertyRecord> record(String id) {
    return anyRecord(id).compose(r -> r.deleted() ? Future.failedFuture(DeletedPropertyGate.deleted(id, r.deletedAt()))
        : Future.succeededFuture(r));
  }

  /** The property's row, deleted or not, or 404. */
  private Future<PropertyRecord> anyRecord(String id) {
    return accounts.rows(PropertiesTable.selectById(), id).compose(rows -> rows.isEmpty()
        ? Future.failedFuture(new ApiException(404, "property", "property '" + id + "' not found"))
        : Future.succeededFuture(PropertyRecord.from(rows.get(0))));
  }

  /**
   * {@code DELETE}: moves the property to the trash, as GA4 does: from then on its hits are refused ("property
   * deleted") and its reports answer 404, and it leaves the lists; an admin may restore it for {@link
   * PropertyRecord#TRASH_DAYS} days. The body ({@code {"confirm": id}}) or the query ({@code ?confirm=id}) must repeat
   * the property's id, as Plausible asks to type the domain: a slip of a script or a click does not delete.
   */
  void deleteProperty(RoutingContext rc) {
    String id = rc.pathParam("id");
    String confirm = rc.request().getParam("confirm");
    if (confirm == null && rc.body() != null && rc.body().length() > 0) {
      try {
        confirm = rc.body().asJsonObject().getValue("confirm") instanceof String c ? c : null;
      } catch (RuntimeException e) {
        ReportHandler.error(rc, ApiException.badRequest("", "the body must be empty or a JSON object"));
        return;
      }
    }
    if (!id.equals(confirm == null ? null : confirm.strip())) {
      ReportHandler.error(rc, ApiException.badRequest("confirm", "repeat the property's id (" + id + ") in \"confirm\""
          + " (body or query) to delete it"));
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> anyRecord(id)).compose(r -> {
      if (r.deleted()) {
        return Future.failedFuture(new ApiException(409, "property", "property '" + id + "' is in the trash already"
            + " (since " + r.deletedAt() + ")"));
      }
      Instant at = Instant.now();
      return accounts.setPropertyDeletedAt(id, at).map(applied -> {
        LOG.info("Property {} moved to the trash by account {}", id, Secrets.pseudonym(caller.email()));
        return trashEntry(r.withDeletedAt(at));
      });
    }));
  }

  /** {@code POST .../restore}: takes a deleted property out of the trash, as it was; 409 if it is not deleted. */
  void restoreProperty(RoutingContext rc) {
    String id = rc.pathParam("id");
    Caller caller = rc.get(Caller.KEY);
    respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> anyRecord(id)).compose(r -> {
      if (!r.deleted()) {
        return Future.failedFuture(new ApiException(409, "property", "property '" + id + "' is not deleted"));
      }
      if (r.purgeDue(Instant.now())) {
        // The bridge's purge may have removed part of it already: what a restore would bring back is not whole.
        return Future.failedFuture(new ApiException(409, "property", "property '" + id + "' was in the trash until "
            + r.purgeAfter() + " and is being purged"));
      }
      return accounts.setPropertyDeletedAt(id, null).compose(applied -> {
        LOG.info("Property {} restored from the trash by account {}", id, Secrets.pseudonym(caller.email()));
        return property(id, true);
      });
    }));
  }

  /** The trash: the deleted properties the caller administers, with when they may be purged. */
  private void listDeleted(RoutingContext rc, Caller caller) {
    Future<JsonArray> list = accounts.propertiesOf(caller.email()).compose(roles -> {
      Future<JsonArray> all = Future.succeededFuture(new JsonArray());
      for (var e : roles.entrySet()) {
        if (e.getValue() != PropertyRole.ADMIN || caller.readOnly()) {
          continue;
        }
        all = all.compose(arr -> anyRecord(e.getKey())
            .map(r -> r.deleted() ? arr.add(trashEntry(r)) : arr).otherwise(arr));
      }
      return all;
    });
    respond(rc, 200, list.map(arr -> new JsonObject().put("properties", arr)));
  }

  private static JsonObject trashEntry(PropertyRecord r) {
    return new JsonObject().put("propertyId", r.propertyId()).put("name", r.name())
        .put("deletedAt", r.deletedAt().toString()).put("purgeAfter", r.purgeAfter().toString());
  }

  /** A new random api secret, or the one the body names ({@link #chosenSecret}: e.g. the GA4 stream's). */
  void rotateSecret(RoutingContext rc) {
    String id = rc.pathParam("id");
    String chosen;
    try {
      chosen = rc.body() == null || rc.body().length() == 0 ? null : chosenSecret(rc.body().asJsonObject());
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    } catch (RuntimeException e) {
      ReportHandler.error(rc, ApiException.badRequest("", "the body must be empty or a JSON object"));
      return;
    }
    String secret = chosen != null ? chosen : Secrets.randomToken(24);
    // A deleted property's secret stays as it was (404 "property deleted"): a restore brings back the one it had.
    respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> record(id))
        .compose(v -> accounts.rows(PropertiesTable.updateSecretIfExists(),
            PropertiesTable.updateSecretValues(id, secret, Instant.now())))
        .compose(v -> property(id, true)));
  }

  /** Global admins create users; the password is hashed on a worker thread. */
  void createUser(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    if (!caller.administers()) {
      ReportHandler.error(rc, new ApiException(403, "admin", "only administrators create users"));
      return;
    }
    String email = body.getValue("email") instanceof String e ? e.trim().toLowerCase(Locale.ROOT) : "";
    String password = body.getValue("password") instanceof String p ? p : "";
    if (!EMAIL.matcher(email).matches()) {
      ReportHandler.error(rc, ApiException.badRequest("email", "is not an email address"));
      return;
    }
    if (password.length() < 12 || password.length() > 1024) {
      ReportHandler.error(rc, ApiException.badRequest("password", "must have 12-1024 characters"));
      return;
    }
    boolean admin = Boolean.TRUE.equals(body.getValue("admin"));
    // A password the administrator chose and passes on: they may require the user to replace it at the first login.
    boolean mustChange = Boolean.TRUE.equals(body.getValue("mustChangePassword"));
    respond(rc, 201, vertx.executeBlocking(() -> Secrets.hashPassword(password), false)
        .compose(hash -> accounts.createUser(email, hash, admin, mustChange))
        .compose(created -> created ? Future.succeededFuture(new JsonObject().put("email", email).put("admin", admin)
                .put("passwordChangeRequired", mustChange))
            : Future.failedFuture(new ApiException(409, "email", "a user with this email exists"))));
  }

  void grantRole(RoutingContext rc) {
    String id = rc.pathParam("id");
    String email = rc.pathParam("email").toLowerCase(Locale.ROOT);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    PropertyRole role = body.getValue("role") instanceof String r ? PropertyRole.ofKey(r) : null;
    if (role == null) {
      ReportHandler.error(rc, ApiException.badRequest("role", "must be 'admin' or 'viewer'"));
      return;
    }
    respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN)
        .compose(v -> accounts.user(email))
        .compose(u -> u.isPresent() ? accounts.grant(id, email, role)
            : Future.failedFuture(new ApiException(404, "email", "no user '" + email + "'")))
        .map(v -> new JsonObject().put("propertyId", id).put("email", email).put("role", role.key())));
  }

  private Future<JsonObject> property(String id, boolean withSecret) {
    return accounts.rows(PropertiesTable.selectById(), id).compose(rows -> {
      if (rows.isEmpty()) {
        return Future.failedFuture(new ApiException(404, "property", "property '" + id + "' not found"));
      }
      PropertyRecord r = PropertyRecord.from(rows.get(0));
      if (r.deleted()) {
        return Future.failedFuture(DeletedPropertyGate.deleted(id, r.deletedAt()));
      }
      JsonObject p = new JsonObject()
          .put("propertyId", id).put("name", r.name()).put("timeZone", r.timeZone())
          .put("allowedHostnames", new JsonArray(java.util.List.copyOf(r.allowedHostnames())))
          .put("keyEvents", new JsonArray(java.util.List.copyOf(r.keyEvents())))
          .put("retentionDays", r.retentionDays())
          .put("respectDnt", r.respectDnt()).put("cookieless", r.cookieless())
          // The rules in force (GA4's defaults when never set).
          .put("sessionTimeoutMinutes", r.sessionRules().timeoutMs() / 60_000)
          .put("engagedSessionSeconds", r.sessionRules().engagedAfterMs() / 1000)
          .put(PLAUSIBLE_DOMAINS, new JsonArray(java.util.List.copyOf(r.plausibleDomains())))
          .put(STREAM_IDS, new JsonArray(java.util.List.copyOf(r.streamIds())))
          .put(GA_PROPERTY_ID, r.gaPropertyId())
          // The list in force (the default when never set).
          .put(KEPT_QUERY_PARAMS, new JsonArray(r.queryParamPolicy().kept()))
          .put("snippet", "<script defer src=\"" + collectorUrl + "/beacon.js\" data-property=\"" + id + "\""
              + (r.cookieless() ? " data-cookieless=\"true\"" : "") + "></script>");
      if (withSecret) {
        p.put("apiSecret", r.apiSecret());
      }
      return Future.succeededFuture(p);
    });
  }

  /**
   * The Plausible domains of a create or PATCH body ({@code plausibleDomains}: an array of at most {@link
   * PlausibleDomains#MAX_PER_PROPERTY} domains, each spelled as the collector looks it up; null or absent: none).
   */
  static Set<String> plausibleDomains(JsonObject b) {
    return names(b, PLAUSIBLE_DOMAINS, PlausibleDomains.MAX_PER_PROPERTY, PlausibleDomains::normalize,
        PlausibleDomains::valid, "must be a domain as Plausible's trackers name the site (data-domain / domain): a host"
            + " name, optionally with a port and path, e.g. example.com");
  }

  /**
   * The stream ids of a create or PATCH body ({@code streamIds}: an array of at most {@link
   * StreamIds#MAX_PER_PROPERTY} GA4 measurement ids, UA tracking ids or Firebase app ids; null or absent: none).
   */
  static Set<String> streamIds(JsonObject b) {
    return names(b, STREAM_IDS, StreamIds.MAX_PER_PROPERTY, StreamIds::normalize, StreamIds::valid,
        "must be a GA4 measurement id (G-XXXXXXXXXX), a Universal Analytics tracking id (UA-12345678-1) or a Firebase"
            + " app id (1:1234567890:android:0a1b2c3d)");
  }

  /** An array of names in {@code field}, each normalized and valid ({@code hint} says what is), at most {@code max}. */
  private static Set<String> names(JsonObject b, String field, int max, java.util.function.UnaryOperator<String> normalize,
      java.util.function.Predicate<String> valid, String hint) {
    Object v = b.getValue(field);
    Set<String> out = new LinkedHashSet<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonArray arr) || arr.size() > max) {
      throw ApiException.badRequest(field, "must be an array of at most " + max + " entries");
    }
    for (int i = 0; i < arr.size(); i++) {
      String d = arr.getValue(i) instanceof String str ? normalize.apply(str) : null;
      if (d == null || !valid.test(d)) {
        throw ApiException.badRequest(field + "[" + i + "]", hint);
      }
      out.add(d);
    }
    return out;
  }

  /**
   * Fails with 409 when another property than {@code self} has one of the domains: a domain names one property. (Two
   * admins adding one domain at the same moment may both pass: the collector then gives it to the smaller id.)
   */
  private Future<Void> domainsFree(Set<String> domains, String self) {
    return namesFree(domains, self, PropertiesTable.selectPlausibleDomains(), PropertyRecord::plausibleDomains,
        PLAUSIBLE_DOMAINS, "a Plausible domain");
  }

  /** As {@link #domainsFree}, for stream ids: one names one property. */
  private Future<Void> streamIdsFree(Set<String> ids, String self) {
    return namesFree(ids, self, PropertiesTable.selectStreamIds(), PropertyRecord::streamIds, STREAM_IDS,
        "a stream id");
  }

  private Future<Void> namesFree(Set<String> names, String self, String select,
      java.util.function.Function<PropertyRecord, Set<String>> of, String field, String what) {
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    return accounts.rows(select).compose(rows -> {
      for (var row : rows) {
        PropertyRecord other = PropertyRecord.from(row);
        for (String d : of.apply(other)) {
          if (names.contains(d) && !other.propertyId().equals(self)) {
            return Future.failedFuture(new ApiException(409, field, "'" + d + "' is " + what + " of property "
                + other.propertyId() + " already"));
          }
        }
      }
      return Future.succeededFuture();
    });
  }

  /** The GA4 property id of a create or PATCH body ({@code gaPropertyId}: digits; null or absent: none). */
  static String gaPropertyId(JsonObject b) {
    Object v = b.getValue(GA_PROPERTY_ID);
    if (v == null) {
      return null;
    }
    String id = v instanceof String str ? str.strip() : v instanceof Number n && n.longValue() > 0 ? n.toString() : "";
    if (id.startsWith("properties/")) {
      id = id.substring("properties/".length());
    }
    if (!PropertyRecord.GA_PROPERTY_ID.matcher(id).matches()) {
      throw ApiException.badRequest(GA_PROPERTY_ID, "must be a GA4 property id: its digits, e.g. 123456789");
    }
    return id;
  }

  /** Fails with 409 when another property than {@code self} has the GA4 property id. */
  private Future<Void> gaPropertyIdFree(String gaId, String self) {
    return gaId == null ? Future.succeededFuture() : namesFree(Set.of(gaId), self, PropertiesTable.selectGaPropertyIds(),
        r -> r.gaPropertyId() == null ? Set.of() : Set.of(r.gaPropertyId()), GA_PROPERTY_ID, "the GA4 property id");
  }

  /**
   * The api secret an admin chose ({@code apiSecret}), or null when the body has none: 16-128 letters, digits,
   * {@code -} or {@code _} (GA4's secrets are 22 such characters), so a secret copied from GA4 keeps its senders.
   */
  static String chosenSecret(JsonObject b) {
    Object v = b == null ? null : b.getValue("apiSecret");
    if (v == null) {
      return null;
    }
    if (!(v instanceof String str) || !str.matches("[A-Za-z0-9_-]{16,128}")) {
      throw ApiException.badRequest("apiSecret", "must be 16-128 letters, digits, '-' or '_' (a GA4 api secret"
          + " copied as it is fits)");
    }
    return str;
  }

  static void respond(RoutingContext rc, int status, Future<JsonObject> result) {
    result.onSuccess(json -> rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(json.encode()))
        .onFailure(e -> ReportHandler.error(rc, e instanceof ApiException re ? re
            : new ApiException(503, "", "the account store is unavailable")));
  }

  /** Validated property settings from a create or update body. */
  record PropertySettings(String name, String timeZone, Set<String> hosts, Set<String> keyEvents, Integer retentionDays,
      boolean respectDnt, boolean cookieless, Integer sessionTimeoutMinutes, Integer engagedSessionSeconds,
      QueryParamPolicy keptQueryParams) {
    static PropertySettings parse(JsonObject b) {
      String name = b.getValue("name") instanceof String n ? n.strip() : null;
      if (name == null || name.isEmpty() || name.length() > 100) {
        throw ApiException.badRequest("name", "is required (1-100 characters)");
      }
      Object tzValue = b.getValue("timeZone");
      if (tzValue != null && !(tzValue instanceof String)) {
        throw ApiException.badRequest("timeZone", "must be a string (an IANA time zone, e.g. Europe/Berlin)");
      }
      String tz = tzValue == null ? "UTC" : (String) tzValue;
      try {
        ZoneId.of(tz);
      } catch (DateTimeException e) {
        throw ApiException.badRequest("timeZone", "'" + tz + "' is not an IANA time zone (e.g. Europe/Berlin)");
      }
      Set<String> hosts = new LinkedHashSet<>();
      strings(b, "allowedHostnames", 100).forEach(h -> hosts.add(h.toLowerCase(Locale.ROOT)));
      for (String h : hosts) {
        if (!HOST.matcher(h).matches()) {
          throw ApiException.badRequest("allowedHostnames", "'" + h + "' is not a hostname");
        }
      }
      Set<String> keyEvents = strings(b, "keyEvents", 50);
      Object r = b.getValue("retentionDays");
      if (r != null && !(r instanceof Integer || r instanceof Long)) {
        throw ApiException.badRequest("retentionDays", "must be a whole number of days (1-3650)");
      }
      Integer retention = r == null ? null : (int) Math.max(-1, Math.min(Integer.MAX_VALUE, ((Number) r).longValue()));
      if (retention != null && (retention < 1 || retention > 3650)) {
        throw ApiException.badRequest("retentionDays", "must be 1-3650");
      }
      // GA4's ranges ("Adjust session timeout", "Adjust timer for engaged sessions"); null: GA4's defaults.
      Integer timeout = whole(b, "sessionTimeoutMinutes", SessionRules.MIN_TIMEOUT_MINUTES,
          SessionRules.MAX_TIMEOUT_MINUTES, "minutes");
      Integer engaged = whole(b, "engagedSessionSeconds", SessionRules.MIN_ENGAGED_SECONDS,
          SessionRules.MAX_ENGAGED_SECONDS, "seconds");
      return new PropertySettings(name, tz, hosts, keyEvents, retention, flag(b, "respectDnt"), flag(b, "cookieless"),
          timeout, engaged, keptQueryParams(b));
    }

    /**
     * The query parameters the property's URLs keep ({@code keptQueryParams}): an array of names, prefixes ending in
     * {@code *} or {@code *} alone (keep all); empty: strip every parameter; null or absent: the default allow-list.
     */
    private static QueryParamPolicy keptQueryParams(JsonObject b) {
      Object v = b.getValue(KEPT_QUERY_PARAMS);
      if (v == null) {
        return null;
      }
      if (!(v instanceof JsonArray arr) || arr.size() > QueryParamPolicy.MAX_ENTRIES) {
        throw ApiException.badRequest(KEPT_QUERY_PARAMS, "must be an array of at most " + QueryParamPolicy.MAX_ENTRIES
            + " parameter names (or null for the default: " + QueryParamPolicy.DEFAULT.kept() + ")");
      }
      Set<String> out = new LinkedHashSet<>();
      for (int i = 0; i < arr.size(); i++) {
        String e = arr.getValue(i) instanceof String str ? str.strip() : null;
        String why = QueryParamPolicy.problem(e);
        if (why != null) {
          throw ApiException.badRequest(KEPT_QUERY_PARAMS + "[" + i + "]", why);
        }
        out.add(e);
      }
      return new QueryParamPolicy(List.copyOf(out));
    }

    /** The session rules these settings name. */
    SessionRules sessionRules() {
      return SessionRules.ofSettings(sessionTimeoutMinutes, engagedSessionSeconds);
    }

    /** An optional whole number in [min, max]; anything else is a 400 naming the range. */
    private static Integer whole(JsonObject b, String key, int min, int max, String unit) {
      Object v = b.getValue(key);
      if (v == null) {
        return null;
      }
      if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
          || ((Number) v).longValue() > max) {
        throw ApiException.badRequest(key, "must be a whole number of " + unit + " from " + min + " to " + max
            + " (or null for the default)");
      }
      return ((Number) v).intValue();
    }

    /** The settings named in a PATCH body replace the {@code current} ones; an explicit null clears one. */
    static PropertySettings patch(PropertyRecord current, JsonObject b) {
      JsonObject merged = new JsonObject().put("name", current.name()).put("timeZone", current.timeZone())
          .put("allowedHostnames", new JsonArray(java.util.List.copyOf(current.allowedHostnames())))
          .put("keyEvents", new JsonArray(java.util.List.copyOf(current.keyEvents())))
          .put("retentionDays", current.retentionDays())
          .put("respectDnt", current.respectDnt()).put("cookieless", current.cookieless())
          .put("sessionTimeoutMinutes", current.sessionTimeoutMinutes())
          .put("engagedSessionSeconds", current.engagedSessionSeconds())
          .put(KEPT_QUERY_PARAMS, current.keptQueryParams() == null ? null
              : new JsonArray(current.queryParamPolicy().kept()));
      for (String key : merged.fieldNames().toArray(String[]::new)) {
        if (b.containsKey(key)) {
          merged.put(key, b.getValue(key));
        }
      }
      return parse(merged);
    }

    /** These settings as the property's row ({@code apiSecret} and {@code createdAt} may be null: not written). */
    PropertyRecord toRecord(String id, String apiSecret, Instant createdAt, Instant updatedAt) {
      return new PropertyRecord(id, name, timeZone, hosts, apiSecret, keyEvents, retentionDays, respectDnt, cookieless,
          createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, Set.of(),
          keptQueryParams == null ? null : keptQueryParams.stored());
    }

    /** A boolean setting: absent is false; anything but true/false is a 400, never silently false. */
    private static boolean flag(JsonObject b, String key) {
      Object v = b.getValue(key);
      if (v != null && !(v instanceof Boolean)) {
        throw ApiException.badRequest(key, "must be true or false");
      }
      return Boolean.TRUE.equals(v);
    }

    private static Set<String> strings(JsonObject b, String key, int max) {
      Object v = b.getValue(key);
      Set<String> out = new LinkedHashSet<>();
      if (v == null) {
        return out;
      }
      if (!(v instanceof JsonArray arr) || arr.size() > max) {
        throw ApiException.badRequest(key, "must be an array of at most " + max + " strings");
      }
      for (int i = 0; i < arr.size(); i++) {
        if (!(arr.getValue(i) instanceof String s) || s.isBlank() || s.length() > 253) {
          throw ApiException.badRequest(key + "[" + i + "]", "must be a non-empty string");
        }
        out.add(s.strip());
      }
      return out;
    }
  }
}
