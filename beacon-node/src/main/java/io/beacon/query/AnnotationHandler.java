package io.beacon.query;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.beacon.api.ApiException;
import io.beacon.api.ReportJson;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.PropertyRole;
import io.beacon.store.cassandra.AnnotationsTable;
import io.beacon.store.cassandra.AnnotationsTable.Annotation;
import io.beacon.store.cassandra.PropertiesTable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Annotations on a property's timeline (README, "Annotations"): anyone who may view the property
 * lists them (JSON, or CSV with {@code Accept: text/csv}); its admins add, change and delete them.
 */
final class AnnotationHandler {
  /** The earliest day an annotation may name: before any data Beacon (or a GA4 import) can hold. */
  private static final LocalDate EARLIEST = LocalDate.of(2000, 1, 1);

  private final Accounts accounts;
  private final AccessHandler access;

  AnnotationHandler(Accounts accounts, AccessHandler access) {
    this.accounts = accounts;
    this.access = access;
  }

  /** {@code GET .../annotations[?startDate=&endDate=]}: the property's annotations by day, then creation. */
  void list(RoutingContext rc) {
    String id = rc.pathParam("id");
    LocalDate from;
    LocalDate to;
    try {
      from = day(rc.queryParams().get("startDate"), "startDate", EARLIEST);
      to = day(rc.queryParams().get("endDate"), "endDate", LocalDate.of(9999, 12, 31));
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    boolean csv = String.valueOf(rc.request().getHeader("Accept")).contains("text/csv");
    access.require(rc, id, PropertyRole.VIEWER).compose(v -> existing(id)).compose(v -> all(id))
        .map(all -> all.stream().filter(a -> !a.day().isBefore(from) && !a.day().isAfter(to)).toList())
        .onSuccess(list -> {
          if (csv) {
            List<List<String>> rows = new ArrayList<>();
            list.forEach(a -> rows.add(List.of(a.day().toString(), a.title(), a.description() == null ? "" : a.description(),
                a.createdBy(), a.id().toString())));
            rc.response().putHeader("content-type", "text/csv; charset=utf-8")
                .putHeader("content-disposition", "attachment; filename=\"annotations-" + id + ".csv\"")
                .end(ReportJson.toCsv(List.of("date", "title", "description", "createdBy", "id"), rows));
            return;
          }
          JsonArray out = new JsonArray();
          list.forEach(a -> out.add(json(a)));
          rc.response().putHeader("content-type", "application/json")
              .end(new JsonObject().put("annotations", out).encode());
        })
        .onFailure(e -> failed(rc, e));
  }

  /** {@code POST .../annotations} {date, title, description?}: 201 with the annotation. */
  void create(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    Annotation a;
    try {
      Fields f = Fields.parse(body, null);
      a = new Annotation(id, Uuids.timeBased(), f.day(), f.title(), f.description(), caller.email(), Instant.now());
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    AdminHandler.respond(rc, 201, access.require(rc, id, PropertyRole.ADMIN).compose(v -> existing(id)).compose(v -> all(id))
        .compose(all -> all.size() >= AnnotationsTable.MAX_PER_PROPERTY
            ? Future.failedFuture(ApiException.badRequest("", "property '" + id + "' has "
                + AnnotationsTable.MAX_PER_PROPERTY + " annotations, the most it may hold: delete some first"))
            : accounts.rows(AnnotationsTable.insert(), AnnotationsTable.insertValues(a)))
        .map(v -> json(a)));
  }

  /** {@code PATCH .../annotations/:annotationId}: the fields given replace those stored. */
  void update(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    UUID annotationId = annotationId(rc);
    if (annotationId == null) {
      return;
    }
    AdminHandler.respond(rc, 200, access.require(rc, id, PropertyRole.ADMIN).compose(v -> one(id, annotationId)).compose(before -> {
      Fields f = Fields.parse(body, before);
      Annotation after = new Annotation(id, annotationId, f.day(), f.title(), f.description(), before.createdBy(),
          before.createdAt());
      return accounts.rows(AnnotationsTable.updateIfExists(), after.day(), after.title(), after.description(), id,
          annotationId).compose(rows -> rows.isEmpty() || rows.get(0).getBoolean(0) ? Future.succeededFuture(after)
              : Future.failedFuture(notFound(annotationId)));
    }).map(AnnotationHandler::json));
  }

  /** {@code DELETE .../annotations/:annotationId}: 204 (404 if there is none). */
  void delete(RoutingContext rc) {
    String id = rc.pathParam("id");
    UUID annotationId = annotationId(rc);
    if (annotationId == null) {
      return;
    }
    access.require(rc, id, PropertyRole.ADMIN).compose(v -> one(id, annotationId))
        .compose(a -> accounts.rows(AnnotationsTable.delete(), id, annotationId))
        .onSuccess(v -> rc.response().setStatusCode(204).end())
        .onFailure(e -> failed(rc, e));
  }

  /** The title, description and day of a create (all from the body) or an update (absent ones kept). */
  private record Fields(LocalDate day, String title, String description) {
    static Fields parse(JsonObject b, Annotation before) {
      for (String key : b.fieldNames()) {
        if (!List.of("date", "title", "description").contains(key)) {
          throw ApiException.badRequest(key, "is not a field of an annotation (date, title, description)");
        }
      }
      LocalDate day = before == null || b.containsKey("date")
          ? AnnotationHandler.day(b.getValue("date") instanceof String s ? s : null, "date", null) : before.day();
      if (day == null) {
        throw ApiException.badRequest("date", "is required (YYYY-MM-DD, a day in the property's time zone)");
      }
      String title = before == null || b.containsKey("title") ? text(b, "title", AnnotationsTable.MAX_TITLE, true)
          : before.title();
      String description = before == null || b.containsKey("description")
          ? text(b, "description", AnnotationsTable.MAX_DESCRIPTION, false) : before.description();
      return new Fields(day, title, description);
    }
  }

  private static String text(JsonObject b, String field, int max, boolean required) {
    Object v = b.getValue(field);
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || (required && s.isBlank()) || s.length() > max) {
      throw ApiException.badRequest(field, (required ? "is required: " : "must be ") + "text of " + (required ? "1" : "0")
          + "-" + max + " characters");
    }
    if (s.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\t')) {
      throw ApiException.badRequest(field, "must not hold control characters");
    }
    String stripped = s.strip();
    return stripped.isEmpty() ? null : stripped;
  }

  private static LocalDate day(String v, String field, LocalDate absent) {
    if (v == null) {
      return absent;
    }
    try {
      LocalDate d = LocalDate.parse(v);
      if (d.isBefore(EARLIEST) || d.getYear() > 9999) {
        throw ApiException.badRequest(field, "must be a day from " + EARLIEST + " on");
      }
      return d;
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(field, "must be a date as YYYY-MM-DD, not '" + abbreviate(v) + "'");
    }
  }

  private static String abbreviate(String v) {
    String s = v.length() > 40 ? v.substring(0, 40) + "…" : v;
    return s.replaceAll("\\p{Cntrl}", "?");
  }

  private static UUID annotationId(RoutingContext rc) {
    try {
      UUID u = UUID.fromString(rc.pathParam("annotationId"));
      if (u.version() == 1) {
        return u;
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    ReportHandler.error(rc, ApiException.badRequest("annotationId", "is not an annotation id"));
    return null;
  }

  private Future<Void> existing(String propertyId) {
    return accounts.rows(PropertiesTable.selectById(), propertyId).compose(rows -> rows.isEmpty()
        ? Future.failedFuture(new ApiException(404, "property", "no property '" + propertyId + "'"))
        : Future.succeededFuture());
  }

  private Future<List<Annotation>> all(String propertyId) {
    return accounts.rows(AnnotationsTable.selectByProperty(), propertyId).map(rows -> rows.stream()
        .map(AnnotationsTable::from)
        .sorted(Comparator.comparing(Annotation::day).thenComparing(a -> a.id().timestamp()))
        .toList());
  }

  private Future<Annotation> one(String propertyId, UUID annotationId) {
    return accounts.rows(AnnotationsTable.selectOne(), propertyId, annotationId).compose(rows -> rows.isEmpty()
        ? Future.failedFuture(notFound(annotationId)) : Future.succeededFuture(AnnotationsTable.from(rows.get(0))));
  }

  private static ApiException notFound(UUID annotationId) {
    return new ApiException(404, "annotationId", "no annotation '" + annotationId + "' in this property");
  }

  static JsonObject json(Annotation a) {
    return new JsonObject().put("id", a.id().toString()).put("date", a.day().toString()).put("title", a.title())
        .put("description", a.description()).put("createdBy", a.createdBy())
        .put("createdAt", a.createdAt() == null ? null : a.createdAt().toString());
  }

  /** As {@link AdminHandler#respond} answers a failure: the API's own error, else 503 (the account store). */
  private static void failed(RoutingContext rc, Throwable e) {
    ReportHandler.error(rc, e instanceof ApiException re ? re : new ApiException(503, "", "the account store is unavailable"));
  }
}
