package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.PropertyRole;
import io.beacon.query.digest.Frequency;
import io.beacon.store.cassandra.DigestSubscriptionsTable;
import io.beacon.store.cassandra.DigestSubscriptionsTable.Subscription;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A property's email report subscriptions (README, "Email reports"): its admins list, add and remove recipients of the
 * weekly and monthly reports, and have one sent to themselves now. Recipients' addresses are person data: admins
 * only, and never logged.
 */
final class EmailReportHandler {
  private final Accounts accounts;
  private final AccessHandler access;
  private final EmailReports reports;

  EmailReportHandler(Accounts accounts, AccessHandler access, EmailReports reports) {
    this.accounts = accounts;
    this.access = access;
    this.reports = reports;
  }

  /** {@code GET .../emailReports}: the subscriptions, by frequency then recipient. */
  void list(RoutingContext rc) {
    String id = rc.pathParam("id");
    AdminHandler.respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> property(id))
        .compose(p -> accounts.rows(DigestSubscriptionsTable.selectByProperty(), id))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.stream().map(DigestSubscriptionsTable::from)
              .sorted(Comparator.comparing(Subscription::frequency).thenComparing(Subscription::recipient))
              .forEach(s -> out.add(json(s)));
          return new JsonObject().put("subscriptions", out).put("sending", reports.canSend());
        }));
  }

  /** {@code POST .../emailReports} {frequency, recipient}: 201 with the subscription; 409 if it exists. */
  void create(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    Subscription s;
    try {
      for (String key : body.fieldNames()) {
        if (!List.of("frequency", "recipient").contains(key)) {
          throw ApiException.badRequest(key, "is not a field of a subscription (frequency, recipient)");
        }
      }
      s = new Subscription(id, frequency(body.getValue("frequency")).name(), recipient(body.getValue("recipient")),
          caller.email(), Instant.now());
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    AdminHandler.respond(rc, 201, access.require(rc, id, PropertyRole.ADMIN).compose(v -> property(id))
        .compose(p -> accounts.rows(DigestSubscriptionsTable.selectByProperty(), id))
        .compose(rows -> rows.size() >= DigestSubscriptionsTable.MAX_PER_PROPERTY
            ? Future.failedFuture(ApiException.badRequest("", "property '" + id + "' has "
                + DigestSubscriptionsTable.MAX_PER_PROPERTY + " email report subscriptions, the most it may hold"))
            : accounts.rows(DigestSubscriptionsTable.insertIfNotExists(), DigestSubscriptionsTable.insertValues(s)))
        .compose(rows -> rows.isEmpty() || rows.get(0).getBoolean(0) ? Future.succeededFuture(json(s))
            : Future.failedFuture(new ApiException(409, "recipient", "already subscribed to the "
                + s.frequency().toLowerCase(Locale.ROOT) + " report"))));
  }

  /** {@code DELETE .../emailReports/:frequency/:recipient}: 204, 404 if there is none. */
  void delete(RoutingContext rc) {
    String id = rc.pathParam("id");
    String f;
    String r;
    try {
      f = frequency(rc.pathParam("frequency")).name();
      r = recipient(rc.pathParam("recipient"));
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    access.require(rc, id, PropertyRole.ADMIN).compose(v -> property(id))
        .compose(p -> accounts.rows(DigestSubscriptionsTable.deleteIfExists(), id, f, r))
        .compose(rows -> rows.isEmpty() || rows.get(0).getBoolean(0) ? Future.succeededFuture()
            : Future.failedFuture(new ApiException(404, "recipient", "no such subscription")))
        .onSuccess(v -> rc.response().setStatusCode(204).end())
        .onFailure(e -> ReportHandler.error(rc, e instanceof ApiException a ? a
            : new ApiException(503, "", "the account store is unavailable")));
  }

  /**
   * {@code POST .../emailReports:sendNow} {frequency?}: the report of the last complete period, sent now to the caller
   * (not to the subscribers, and not recorded as their digest): to see what subscribers get.
   */
  void sendNow(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject body = rc.body() == null || rc.body().length() == 0 ? new JsonObject() : ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    Frequency f;
    try {
      for (String key : body.fieldNames()) {
        if (!key.equals("frequency")) {
          throw ApiException.badRequest(key, "is not a field of sendNow (frequency)");
        }
      }
      f = body.containsKey("frequency") ? frequency(body.getValue("frequency")) : Frequency.WEEKLY;
      if (!reports.canSend()) {
        throw new ApiException(503, "", "no SMTP server is configured (mail.host)");
      }
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    AdminHandler.respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> property(id))
        .compose(p -> reports.sendNow(p, f, caller.email())
            .recover(e -> Future.failedFuture(e instanceof ApiException ? e
                : new ApiException(502, "", "the SMTP server did not take the message (" + e.getClass().getSimpleName()
                    + ")"))))
        .map(m -> new JsonObject().put("frequency", f.name()).put("recipient", caller.email())
            .put("subject", m.subject())));
  }

  private Future<PropertyRecord> property(String id) {
    return accounts.rows(PropertiesTable.selectById(), id).compose(rows -> {
      if (rows.isEmpty()) {
        return Future.failedFuture(new ApiException(404, "property", "no property '" + id + "'"));
      }
      PropertyRecord p = PropertyRecord.from(rows.get(0));
      return Future.succeededFuture(p);
    });
  }

  private static Frequency frequency(Object v) {
    Frequency f = v instanceof String s ? Frequency.parse(s) : null;
    if (f == null) {
      throw ApiException.badRequest("frequency", "must be WEEKLY or MONTHLY");
    }
    return f;
  }

  /** An address as stored: trimmed, lower case (one subscription per mailbox, however it was typed). */
  static String recipient(Object v) {
    if (!(v instanceof String s) || s.length() > 254 || !s.strip().matches("[^@\\s<>\"',;]+@[^@\\s<>\"',;]+\\.[^@\\s<>\"',;]+")) {
      throw ApiException.badRequest("recipient", "must be an email address");
    }
    return s.strip().toLowerCase(Locale.ROOT);
  }

  private static JsonObject json(Subscription s) {
    return new JsonObject().put("frequency", s.frequency()).put("recipient", s.recipient())
        .put("createdBy", s.createdBy()).put("createdAt", s.createdAt() == null ? null : s.createdAt().toString());
  }
}
