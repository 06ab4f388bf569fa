package io.beacon.infra.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code mail} section: off by default, its password from a file and never printed, bad values named. */
class MailConfigTest {
  @TempDir Path dir;

  @Test
  void noMailByDefault() {
    MailConfig m = ConfigLoader.load(null, Map.of()).mail();
    assertThat(m.configured()).isFalse();
    assertThat(m.reports().enabled()).isFalse();
    assertThat(m.startTls()).isEqualTo(MailConfig.StartTls.REQUIRED);
  }

  @Test
  void theSmtpPasswordComesFromAFileAndIsNeverPrinted() throws IOException {
    Path secret = Files.writeString(dir.resolve("smtp"), "smtp-s3cret\n");
    BeaconConfig c = ConfigLoader.load(null, Map.of("BEACON_MAIL_HOST", "smtp.example.com",
        "BEACON_MAIL_USERNAME", "beacon", "BEACON_MAIL_PASSWORD_FILE", secret.toString(),
        "BEACON_MAIL_START_TLS", "OPTIONAL", "BEACON_MAIL_REPORTS_ENABLED", "true"));
    assertThat(c.mail().password()).isEqualTo("smtp-s3cret");
    assertThat(c.mail().startTls()).isEqualTo(MailConfig.StartTls.OPTIONAL);
    assertThat(c.mail().reports().enabled()).isTrue();
    assertThat(c.mail().toString()).doesNotContain("smtp-s3cret").contains("password=(set)");
    assertThat(c.toString()).doesNotContain("smtp-s3cret");
  }

  @Test
  void reportsNeedAServerAndSaneValues() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_MAIL_REPORTS_ENABLED", "true",
        "BEACON_MAIL_REPORTS_SEND_HOUR", "24")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mail.reports.enabled").hasMessageContaining("mail.reports.sendHour");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_MAIL_START_TLS", "SOMETIMES")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.startTls");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_MAIL_HOST", "smtp.example.com",
        "BEACON_MAIL_USERNAME", "beacon")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.password");
  }
}
