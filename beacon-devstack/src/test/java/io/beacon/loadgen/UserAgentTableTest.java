package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.enrich.DeviceInfo;
import io.beacon.collector.enrich.UserAgents;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixed expectations of {@link UserAgentTable} are what the collector's User-Agent parser really says. */
class UserAgentTableTest {

  @Test
  void everyAgentReadsAsTheTableSays() {
    UserAgents parser = new UserAgents();
    List<UserAgentTable.Agent> all = new ArrayList<>(UserAgentTable.HUMANS);
    all.addAll(UserAgentTable.BOTS);
    for (UserAgentTable.Agent a : all) {
      DeviceInfo d = parser.parse(a.userAgent(), null, null);
      assertThat(d.bot()).as(a.userAgent()).isEqualTo(a.bot());
      assertThat(d.category()).as(a.userAgent()).isEqualTo(a.deviceCategory());
      if (!a.bot()) { // a bot's browser and OS count nowhere
        assertThat(d.browser()).as(a.userAgent()).isEqualTo(a.browser());
        assertThat(d.os()).as(a.userAgent()).isEqualTo(a.os());
      }
    }
  }
}
