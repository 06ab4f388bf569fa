package io.beacon.infra;

import io.beacon.infra.config.Role;

/** Event-bus addresses shared by the verticles; verticle packages talk only through these and Kafka topics. */
public final class Addresses {
  private Addresses() {}

  /** Each role's instances answer here with who they are (node, role, deployment); used by ops and tests. */
  public static String roleStatus(Role role) {
    return "beacon." + role.key() + ".status";
  }
}
