package io.beacon.infra;

import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/** Registers a role instance on its status address, so any node can see which roles the cluster serves. */
public final class RoleStatus {
  private RoleStatus() {}

  /** Completes once the registration has reached the cluster, so a deployment is visible when it is done. */
  public static Future<MessageConsumer<JsonObject>> register(Vertx vertx, Role role, String nodeName, String deploymentId) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.roleStatus(role),
        msg -> msg.reply(new JsonObject()
            .put("role", role.key())
            .put("node", nodeName)
            .put("deploymentId", deploymentId)));
    return consumer.completion().map(consumer);
  }
}
