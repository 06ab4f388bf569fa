package io.beacon.infra.net;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.vertx.core.http.HttpServerRequest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The proxies (load balancers) whose {@code X-Forwarded-For} a public listener believes, as IP addresses
 * ({@code 10.0.0.5}, {@code 2001:db8::5}) or CIDR ranges ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), and the
 * client address of a request behind them. Immutable, so one instance serves every event loop.
 *
 * <p>The client is the direct peer, unless the peer is trusted: then the right-most address of {@code
 * X-Forwarded-For} that is not itself trusted (whatever a client put on the left of the header is its own
 * claim). With the PROXY protocol on a listener, the peer already is the address the balancer's PROXY header
 * gave (Vert.x replaces the connection's remote address), so both compose: a CDN in front of an L4 balancer is
 * trusted like any other proxy.
 */
public final class TrustedProxies {
  private static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

  private final List<IpSubnetFilterRule> ranges;
  private final List<String> spelled;

  private TrustedProxies(List<IpSubnetFilterRule> ranges, List<String> spelled) {
    this.ranges = ranges;
    this.spelled = spelled;
  }

  public static TrustedProxies none() {
    return NONE;
  }

  /** Parses every entry; throws {@link IllegalArgumentException} naming the first that is neither an IP nor a CIDR range. */
  public static TrustedProxies parse(Collection<String> entries) {
    if (entries == null || entries.isEmpty()) {
      return NONE;
    }
    List<IpSubnetFilterRule> ranges = new ArrayList<>();
    List<String> spelled = new ArrayList<>();
    for (String entry : entries) {
      String why = problem(entry);
      if (why != null) {
        throw new IllegalArgumentException(why);
      }
      String e = entry.trim();
      int slash = e.indexOf('/');
      InetAddress address = IpLiteral.parse(slash < 0 ? e : e.substring(0, slash));
      int bits = address instanceof Inet4Address ? 32 : 128;
      int prefix = slash < 0 ? bits : Integer.parseInt(e.substring(slash + 1));
      ranges.add(new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
      spelled.add(e);
    }
    return new TrustedProxies(List.copyOf(ranges), List.copyOf(spelled));
  }

  /**
   * Null when {@code entry} is an IP address or a CIDR range; otherwise why not (for the configuration's
   * validation). A range must be its network address: {@code 10.1.2.3/8} is refused rather than read as
   * {@code 10.0.0.0/8}, since it is more likely a typo than a wish to trust 16 million addresses.
   */
  public static String problem(String entry) {
    if (entry == null || entry.isBlank()) {
      return "must list IP addresses or CIDR ranges, was an empty entry";
    }
    String e = entry.trim();
    int slash = e.indexOf('/');
    InetAddress address = IpLiteral.parse(slash < 0 ? e : e.substring(0, slash));
    if (address == null) {
      return "must list IP addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32), was '" + entry + "'";
    }
    if (slash < 0) {
      return null;
    }
    int bits = address instanceof Inet4Address ? 32 : 128;
    String p = e.substring(slash + 1);
    if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
      return "'" + entry + "': the prefix length must be 0-" + bits;
    }
    int prefix = Integer.parseInt(p);
    byte[] b = address.getAddress();
    for (int bit = prefix; bit < bits; bit++) {
      if ((b[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        return "'" + entry + "': host bits are set after the /" + prefix + " prefix (the network address is "
            + network(b, prefix) + "/" + prefix + ")";
      }
    }
    return null;
  }

  private static String network(byte[] address, int prefix) {
    byte[] b = address.clone();
    for (int bit = prefix; bit < b.length * 8; bit++) {
      b[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    try {
      return InetAddress.getByAddress(b).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  public boolean contains(InetAddress address) {
    if (address == null || ranges.isEmpty()) {
      return false;
    }
    InetSocketAddress socket = new InetSocketAddress(address, 0); // no lookup: the address is given
    for (IpSubnetFilterRule r : ranges) {
      if (r.matches(socket)) {
        return true;
      }
    }
    return false;
  }

  /** Whether an IP literal is trusted; anything that is not an IP literal is not. */
  public boolean contains(String ip) {
    return !ranges.isEmpty() && contains(IpLiteral.parse(ip));
  }

  /**
   * The client's address given the direct peer and the request's {@code X-Forwarded-For} (all its headers'
   * values joined by commas, in order; null if none). Walking the header from the right, trusted addresses are
   * skipped and the first untrusted one is the client; an entry that is not an IP address ends the walk at the
   * proxy that wrote it (which is then the client as far as anyone can tell).
   */
  public String clientIp(String peer, String forwardedFor) {
    if (peer == null || forwardedFor == null || forwardedFor.isBlank() || !contains(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String nearest = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      InetAddress address = IpLiteral.parse(hop);
      if (address == null) {
        return nearest;
      }
      if (!contains(address)) {
        return hop;
      }
      nearest = hop;
    }
    // Every hop is a trusted proxy: the left-most is as close to the client as the header gets.
    return nearest;
  }

  /** The client address of a request on a public listener (see the class comment). */
  public String clientIp(HttpServerRequest request) {
    String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    if (ranges.isEmpty() || peer == null) {
      return peer;
    }
    List<String> forwarded = request.headers().getAll("X-Forwarded-For");
    return clientIp(peer, forwarded.isEmpty() ? null : String.join(",", forwarded));
  }

  @Override
  public String toString() {
    return spelled.toString();
  }
}
