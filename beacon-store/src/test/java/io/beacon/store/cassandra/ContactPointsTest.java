package io.beacon.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContactPointsTest {
  @Test
  void parsesHostPortsUnresolved() {
    List<InetSocketAddress> points = ContactPoints.parseList("c1:9042, 10.0.0.2:9043 ,[::1]:9044");
    assertThat(points).containsExactly(InetSocketAddress.createUnresolved("c1", 9042),
        InetSocketAddress.createUnresolved("10.0.0.2", 9043), InetSocketAddress.createUnresolved("::1", 9044));
    assertThat(points).allMatch(InetSocketAddress::isUnresolved);
    assertThat(ContactPoints.parse(List.of("127.0.0.1:9042"))).containsExactly(
        InetSocketAddress.createUnresolved("127.0.0.1", 9042));
  }

  @Test
  void rejectsAnythingButHostPort() {
    for (String bad : new String[] {"no-port-here", "host:", ":9042", "host:0", "host:65536", "host:x", "", " "}) {
      assertThatThrownBy(() -> ContactPoints.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("must be host:port, was '" + bad + "'");
    }
  }
}
