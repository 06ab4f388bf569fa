package io.beacon.collector;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * How the collector answers: 204 when every hit was taken; 503 + Retry-After when any hit of the request could not
 * be taken for a reason of the collector's own (spool full, Ignite or Kafka failure, the node stopping), even if
 * others were: the sender sends the whole request again, and the hits already taken are acknowledged as duplicates
 * by their request id ({@code Ingest#produce}), so only the failed ones are produced; 200 with {@code accepted} and
 * the rejected hits' {@code validationMessages} when some were taken and the others were refused for good (the
 * request's content, or the client's rate limit); 429 + Retry-After when the client's rate limit refused them all;
 * 401/403 for credentials and hostnames; 400 otherwise. The debug endpoint always answers 200 with GA's {@code
 * validationMessages} ({@code fieldPath}, {@code description}, {@code validationCode}).
 */
final class Responses {
  private Responses() {}

  static void respond(RoutingContext rc, Ingest.Outcome out, boolean debug, int retryAfterSeconds) {
    if (debug) {
      json(rc, 200, problems(out.problems));
    } else if (out.problems.isEmpty()) {
      rc.response().setStatusCode(204).end();
    } else if (out.spoolFull || out.problems.stream().anyMatch(p -> p.reason() == DropReason.INTERNAL
        || p.reason() == DropReason.SPOOL_FULL)) {
      // A hit this node could not take (its spool is full; Ignite or Kafka failed; its producer closed while it
      // stops): a 5xx, so the client sends the request again (to another node), even when other hits of it were
      // taken; a 200 or 4xx tells batch senders (MP, UA /batch) not to, and the failed hits were lost.
      long retry = Math.max(out.spoolFull ? retryAfterSeconds : 1, out.retryAfterSeconds);
      rc.response().putHeader("Retry-After", Long.toString(retry));
      JsonObject body = problems(out.problems);
      json(rc, 503, out.accepted > 0 ? body.put("accepted", out.accepted) : body);
    } else if (out.accepted > 0) {
      json(rc, 200, problems(out.problems).put("accepted", out.accepted));
    } else if (out.retryAfterSeconds > 0 && out.problems.stream().allMatch(p -> p.reason() == DropReason.RATE_LIMITED)) {
      rc.response().putHeader("Retry-After", Long.toString(out.retryAfterSeconds));
      json(rc, 429, problems(out.problems));
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
