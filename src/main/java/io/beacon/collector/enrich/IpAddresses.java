package io.beacon.collector.enrich;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Client-IP resolution behind trusted proxies, and anonymisation before anything is stored. */
public final class IpAddresses {
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private IpAddresses() {}

  /**
   * The client's address: the direct peer, unless the peer is a trusted proxy, in which case the
   * right-most address of {@code X-Forwarded-For} that is not itself a trusted proxy (a client
   * can put anything on the left of that header).
   */
  public static String clientIp(String peer, String forwardedFor, Set<String> trustedProxies) {
    if (peer == null || forwardedFor == null || forwardedFor.isBlank() || !trustedProxies.contains(peer)) {
      return peer;
    }
    List<String> hops = List.of(forwardedFor.split(","));
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i).trim();
      if (!trustedProxies.contains(hop) && IP_LITERAL.matcher(hop).matches()) {
        return hop;
      }
    }
    return peer;
  }

  /** Parses an IP literal without any DNS lookup; null if it is not one. */
  public static InetAddress parse(String ip) {
    if (ip == null || !IP_LITERAL.matcher(ip).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(ip); // a literal: no lookup
    } catch (UnknownHostException e) {
      return null;
    }
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
