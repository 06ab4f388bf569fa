package io.beacon.contract;

import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Request/reply, one address per role ({@code beacon.<role>.status}): each instance of the role answers with who
 * it is, so any node (ops' {@code /cluster}, tests) can see which roles the cluster serves.
 */
public final class RoleStatus {
  private RoleStatus() {}

  /** The question: it carries nothing ({@code {}} on the wire). */
  public record Ask() {
    JsonObject toJson() {
      return new JsonObject();
    }

    static Ask fromJson(JsonObject json) {
      return new Ask();
    }
  }

  /** One instance of a role: its node and deployment. */
  public record Instance(Role role, String node, String deploymentId) {
    public JsonObject toJson() {
      return new JsonObject().put("role", role.key()).put("node", node).put("deploymentId", deploymentId);
    }

    public static Instance fromJson(JsonObject json) {
      return new Instance(Role.fromKey(json.getString("role")), json.getString("node"), json.getString("deploymentId"));
    }
  }

  public static String address(Role role) {
    return "beacon." + role.key() + ".status";
  }

  /** The contract of one role's address. */
  public static RequestReply<Ask, Instance> of(Role role) {
    return new RequestReply<>(address(role), Ask::toJson, Ask::fromJson, Instance::toJson, Instance::fromJson,
        FailureForm.PLAIN);
  }

  /**
   * Registers a role instance on its status address; completes once the registration has reached the cluster,
   * so a deployment is visible when it is done.
   */
  public static Future<MessageConsumer<JsonObject>> register(Vertx vertx, Role role, String nodeName,
                                                             String deploymentId) {
    Instance self = new Instance(role, nodeName, deploymentId);
    MessageConsumer<JsonObject> consumer = of(role).serve(vertx, ask -> Future.succeededFuture(self));
    return consumer.completion().map(consumer);
  }
}
