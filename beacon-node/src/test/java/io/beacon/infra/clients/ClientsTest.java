package io.beacon.infra.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The node's Cassandra driver options (no server: the options the sessions are built with). */
class ClientsTest {

  /**
   * Read-your-writes across replicas: with RF 3 the driver's default LOCAL_ONE let the read-back of a property just
   * created go to a replica without it (404 through the rehearsal's VIP, docs/rehearsal.md).
   */
  @Test
  void readsAndWritesAreLocalQuorumAndLightweightTransactionsLocalSerial() {
    DriverExecutionProfile p = Clients.driverConfig(new CassandraConfig(List.of("127.0.0.1:9042"), "datacenter1",
        "beacon", 3, null, null, 12_000)).getInitialConfig().getDefaultProfile();
    assertThat(p.getString(DefaultDriverOption.REQUEST_CONSISTENCY)).isEqualTo("LOCAL_QUORUM");
    assertThat(p.getString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY)).isEqualTo("LOCAL_SERIAL");
    assertThat(p.getDuration(DefaultDriverOption.REQUEST_TIMEOUT).toMillis()).isEqualTo(12_000);
  }
}
