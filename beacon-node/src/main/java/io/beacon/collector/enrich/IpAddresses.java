package io.beacon.collector.enrich;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Client-IP resolution behind trusted proxies, and anonymisation before anything is stored. */
public final class IpAddresses {
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

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

  /**
   * Parses an IP literal without any DNS lookup; null if it is not one. {@code InetAddress.getByName} alone
   * would resolve anything that is not a literal ({@code 1.2.3.4.5}, {@code dead.beef}) through DNS, on the
   * event loop, for a value the client chose: IPv4 is read here (dotted quad only), IPv6 in brackets, which
   * the JDK parses as a literal or rejects.
   */
  public static InetAddress parse(String ip) {
    if (ip == null || !IP_LITERAL.matcher(ip).matches()) {
      return null;
    }
    try {
      if (ip.indexOf(':') >= 0) {
        return InetAddress.getByName("[" + ip + "]");
      }
      Matcher m = IPV4.matcher(ip);
      if (!m.matches()) {
        return null;
      }
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(m.group(i + 1));
        if (octet > 255) {
          return null;
        }
        b[i] = (byte) octet;
      }
      return InetAddress.getByAddress(b);
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
