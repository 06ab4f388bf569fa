package io.beacon.infra.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** IP address literals, read without any DNS lookup. */
public final class IpLiteral {
  private static final Pattern CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

  private IpLiteral() {}

  /**
   * Parses an IP literal without any DNS lookup; null if it is not one. {@code InetAddress.getByName} alone
   * would resolve anything that is not a literal ({@code 1.2.3.4.5}, {@code dead.beef}) through DNS, on the
   * event loop, for a value the client chose: IPv4 is read here (dotted quad only), IPv6 in brackets, which
   * the JDK parses as a literal or rejects. An IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) comes back
   * as the IPv4 address.
   */
  public static InetAddress parse(String ip) {
    if (ip == null || !CHARS.matcher(ip).matches()) {
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
}
