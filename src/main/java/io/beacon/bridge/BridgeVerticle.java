package io.beacon.bridge;

import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Kafka to QuestDB and real-time state. The consumers land with the bridge issue. */
public final class BridgeVerticle extends VerticleBase {
  private final NodeContext ctx;

  public BridgeVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    return RoleStatus.register(vertx, Role.BRIDGE, ctx.nodeName(), deploymentID());
  }
}
