package io.beacon.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Published, one address ({@code beacon.accounts.changed}): a query instance that changed an account (revoked a
 * token, disabled, deleted or demoted a user, removed a role, changed a password) names the account lookups it
 * changed; every query instance of the cluster drops its kept answers of them, so the change applies on every node at
 * once rather than after the lookups' freshness time.
 */
public final class AccountsContract {
  private AccountsContract() {}

  /** The only key: every query instance subscribes to every change. */
  public static final String ALL = "all";

  public static final Broadcast<Changed> CHANGED = new Broadcast<>(k -> "beacon.accounts.changed", c -> ALL,
      Changed::toJson, Changed::fromJson);

  /** The lookup keys (opaque to the bus) whose kept answers are stale. */
  public record Changed(List<String> keys) {
    JsonObject toJson() {
      return new JsonObject().put("keys", new JsonArray(List.copyOf(keys)));
    }

    static Changed fromJson(JsonObject json) {
      JsonArray a = json.getJsonArray("keys", new JsonArray());
      return new Changed(a.stream().filter(String.class::isInstance).map(String.class::cast).toList());
    }
  }
}
