package io.beacon.store.cassandra;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Cassandra contact points, {@code host:port} each ({@code [v6-address]:port} for IPv6 literals): the one parser
 * of the node's {@code cassandra.contactPoints} (config validation and its sessions) and the Spark job's
 * {@code --cassandra-contact-points}. Addresses are left unresolved: the driver resolves them when it connects
 * (and again when it reconnects), so a name may point elsewhere after a restart.
 */
public final class ContactPoints {
  private ContactPoints() {}

  /** @throws IllegalArgumentException naming the first entry that is not {@code host:port} */
  public static List<InetSocketAddress> parse(Collection<String> hostPorts) {
    List<InetSocketAddress> out = new ArrayList<>(hostPorts.size());
    for (String hostPort : hostPorts) {
      out.add(parse(hostPort));
    }
    return out;
  }

  /** A comma-separated list ({@code host:port,host:port}). */
  public static List<InetSocketAddress> parseList(String commaSeparated) {
    return parse(List.of(commaSeparated.split(",")));
  }

  /** @throws IllegalArgumentException "must be host:port, was '...'" */
  public static InetSocketAddress parse(String hostPort) {
    String value = hostPort == null ? "" : hostPort.trim();
    int colon = value.lastIndexOf(':');
    String host = colon > 0 ? value.substring(0, colon).trim() : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    if (colon > 0 && colon < value.length() - 1) {
      try {
        port = Integer.parseInt(value.substring(colon + 1).trim());
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("must be host:port, was '" + hostPort + "'");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
