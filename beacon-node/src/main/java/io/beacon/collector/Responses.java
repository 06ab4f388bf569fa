package io.beacon.collector;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * How the collector answers: 204 when every hit was taken; 200 with {@code accepted} and the
 * rejected hits' {@code validationMessages} when some were; 503 + Retry-After when the spool is
 * full; 429 + Retry-After when the client's rate limit refused them all; 401/403 for credentials and
 * hostnames; 400 otherwise. The debug endpoint always answers 200
 * with GA's {@code validationMessages} ({@code fieldPath}, {@code description}, {@code validationCode}).
 */
final class Responses {
  private Responses() {}

  static void respond(RoutingContext rc, Ingest.Outcome out, boolean debug, int retryAfterSeconds) {
    if (debug) {
      json(rc, 200, problems(out.problems));
    } else if (out.problems.isEmpty()) {
      rc.response().setStatusCode(204).end();
    } else if (out.accepted > 0) {
      json(rc, 200, problems(out.problems).put("accepted", out.accepted));
    } else if (out.retryAfterSeconds > 0 && out.problems.stream().allMatch(p -> p.reason() == DropReason.RATE_LIMITED)) {
      rc.response().putHeader("Retry-After", Long.toString(out.retryAfterSeconds));
      json(rc, 429, problems(out.problems));
    } else if (out.problems.stream().allMatch(p -> p.reason() == DropReason.INTERNAL)) {
      // A hit this node could not take for a reason of its own (e.g. its producer closed while it stops): a 5xx,
      // so clients send it again (to another node); a 4xx tells them not to, and the hit was lost.
      rc.response().putHeader("Retry-After", "1");
      json(rc, 503, problems(out.problems));
    } else if (out.spoolFull) {
      rc.response().putHeader("Retry-After", Integer.toString(retryAfterSeconds));
      json(rc, 503, problems(out.problems));
    } else {
      boolean auth = out.authStatus != 0 && out.problems.stream().allMatch(p -> p.reason().auth());
      json(rc, auth ? out.authStatus : 400, problems(out.problems));
    }
  }

  static JsonObject problems(List<Problem> problems) {
    JsonArray a = new JsonArray();
    problems.forEach(p -> a.add(new JsonObject().put("fieldPath", p.fieldPath())
        .put("description", p.description()).put("validationCode", p.validationCode().name())));
    return new JsonObject().put("validationMessages", a);
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
