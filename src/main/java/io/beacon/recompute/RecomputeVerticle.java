package io.beacon.recompute;

import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Rebuilds aggregates from raw hits. The work lands with the recompute issue. */
public final class RecomputeVerticle extends VerticleBase {
  private final NodeContext ctx;

  public RecomputeVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    return RoleStatus.register(vertx, Role.RECOMPUTE, ctx.nodeName(), deploymentID());
  }
}
