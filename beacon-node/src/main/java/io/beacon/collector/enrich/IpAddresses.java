package io.beacon.collector.enrich;

import io.beacon.infra.net.IpLiteral;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP literals and their anonymisation before anything is stored. The client address behind the load balancers
 * is {@link io.beacon.infra.net.TrustedProxies}'s.
 */
public final class IpAddresses {
  private IpAddresses() {}

  /** An IP literal, read without any DNS lookup ({@link IpLiteral#parse}); null if it is not one. */
  public static InetAddress parse(String ip) {
    return IpLiteral.parse(ip);
  }

  /** Zeroes the last octet of an IPv4 address, the last 80 bits of an IPv6 one. */
  public static InetAddress anonymise(InetAddress address) {
    byte[] b = address.getAddress().clone();
    int keep = b.length == 4 ? 3 : 6;
    for (int i = keep; i < b.length; i++) {
      b[i] = 0;
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
