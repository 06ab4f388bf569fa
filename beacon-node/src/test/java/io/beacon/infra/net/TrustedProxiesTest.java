package io.beacon.infra.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  @Test
  void exactAddressesAndRangesOfBothFamilies() {
    TrustedProxies t = TrustedProxies.parse(List.of("10.0.0.5", "172.16.0.0/12", "2001:db8::/32", "fd00::7", " 192.168.1.0/24 "));
    assertThat(t.contains("10.0.0.5")).isTrue();
    assertThat(t.contains("10.0.0.6")).isFalse();
    assertThat(t.contains("172.16.0.1")).isTrue();
    assertThat(t.contains("172.31.255.254")).isTrue();
    assertThat(t.contains("172.32.0.1")).isFalse();
    assertThat(t.contains("172.15.255.255")).isFalse();
    assertThat(t.contains("192.168.1.200")).isTrue();
    assertThat(t.contains("192.168.2.1")).isFalse();
    assertThat(t.contains("2001:db8:1234::1")).isTrue();
    assertThat(t.contains("2001:0DB8:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(t.contains("2001:db9::1")).isFalse();
    assertThat(t.contains("fd00::7")).isTrue();
    assertThat(t.contains("fd00:0:0:0:0:0:0:7")).isTrue();
    assertThat(t.contains("fd00::8")).isFalse();
    // An IPv4-mapped IPv6 peer (a dual-stack socket) is its IPv4 address.
    assertThat(t.contains("::ffff:10.0.0.5")).isTrue();
    assertThat(t.contains("::ffff:172.20.1.1")).isTrue();
    // Never a host name (no DNS), never garbage.
    assertThat(t.contains("localhost")).isFalse();
    assertThat(t.contains("10.0.0.5.1")).isFalse();
    assertThat(t.contains("")).isFalse();
    assertThat(t.contains((String) null)).isFalse();
  }

  @Test
  void zeroPrefixTrustsAWholeFamilyOnly() {
    TrustedProxies all4 = TrustedProxies.parse(List.of("0.0.0.0/0"));
    assertThat(all4.contains("203.0.113.9")).isTrue();
    assertThat(all4.contains("2001:db8::1")).isFalse();
    TrustedProxies all6 = TrustedProxies.parse(List.of("::/0"));
    assertThat(all6.contains("2001:db8::1")).isTrue();
    assertThat(all6.contains("203.0.113.9")).isFalse();
    assertThat(TrustedProxies.parse(List.of("10.1.2.3/32")).contains("10.1.2.3")).isTrue();
    assertThat(TrustedProxies.parse(List.of("10.1.2.3/32")).contains("10.1.2.4")).isFalse();
    assertThat(TrustedProxies.parse(List.of("10.1.2.2/31")).contains("10.1.2.3")).isTrue();
    assertThat(TrustedProxies.parse(List.of("2001:db8::1/128")).contains("2001:db8::1")).isTrue();
    assertThat(TrustedProxies.parse(List.of("2001:db8::1/128")).contains("2001:db8::2")).isFalse();
  }

  @Test
  void badEntriesAreNamedWithWhy() {
    assertThat(TrustedProxies.problem("10.0.0.0/8")).isNull();
    assertThat(TrustedProxies.problem("::1")).isNull();
    assertThat(TrustedProxies.problem("lb.example.com")).contains("must list IP addresses or CIDR ranges").contains("lb.example.com");
    assertThat(TrustedProxies.problem("10.0.0.0/33")).contains("prefix length must be 0-32");
    assertThat(TrustedProxies.problem("2001:db8::/129")).contains("prefix length must be 0-128");
    assertThat(TrustedProxies.problem("10.0.0.0/")).contains("prefix length");
    assertThat(TrustedProxies.problem("10.0.0.0/-1")).contains("prefix length");
    assertThat(TrustedProxies.problem("10.0.0.0/8/8")).contains("prefix length");
    assertThat(TrustedProxies.problem("256.0.0.0/8")).contains("must list IP addresses");
    assertThat(TrustedProxies.problem("")).contains("empty entry");
    assertThat(TrustedProxies.problem(null)).contains("empty entry");
    // Host bits after the prefix: a typo more likely than a wish; the message gives the network address.
    assertThat(TrustedProxies.problem("10.1.2.3/8")).contains("host bits").contains("10.0.0.0/8");
    assertThat(TrustedProxies.problem("2001:db8::1/32")).contains("host bits").contains("2001:db8:0:0:0:0:0:0/32");
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.1", "nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'");
    assertThat(TrustedProxies.parse(List.of()).isEmpty()).isTrue();
    assertThat(TrustedProxies.parse(null).isEmpty()).isTrue();
  }

  @Test
  void clientIsTheRightMostUntrustedHopBehindTrustedPeersOnly() {
    TrustedProxies t = TrustedProxies.parse(List.of("10.0.0.0/24", "2001:db8::/64"));
    // An untrusted peer's header is its own claim.
    assertThat(t.clientIp("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
    // Behind the balancer (any address of its range): the address it appended.
    assertThat(t.clientIp("10.0.0.11", "81.2.69.142")).isEqualTo("81.2.69.142");
    assertThat(t.clientIp("10.0.0.12", "6.6.6.6, 81.2.69.142")).isEqualTo("81.2.69.142");
    // Chained trusted proxies are skipped, whatever the client wrote on the left.
    assertThat(t.clientIp("10.0.0.11", "6.6.6.6, 81.2.69.142, 10.0.0.77")).isEqualTo("81.2.69.142");
    assertThat(t.clientIp("2001:db8::5", "2a00:1450::1, 2001:db8::9")).isEqualTo("2a00:1450::1");
    // No header, or only trusted hops.
    assertThat(t.clientIp("10.0.0.11", null)).isEqualTo("10.0.0.11");
    assertThat(t.clientIp("10.0.0.11", " ")).isEqualTo("10.0.0.11");
    assertThat(t.clientIp("10.0.0.11", "10.0.0.3, 10.0.0.4")).isEqualTo("10.0.0.3");
    // A hop that is not an address ends the walk at the proxy that wrote it: nothing to its left is believed.
    assertThat(t.clientIp("10.0.0.11", "81.2.69.142, unknown")).isEqualTo("10.0.0.11");
    assertThat(t.clientIp("10.0.0.11", "81.2.69.142, garbage, 10.0.0.4")).isEqualTo("10.0.0.4");
    // Nothing trusted: always the peer.
    assertThat(TrustedProxies.none().clientIp("10.0.0.11", "81.2.69.142")).isEqualTo("10.0.0.11");
  }
}
