package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last block `beacon up` prints: with a generated one-time password, the first run's setup link carrying it. */
class UpWelcomeTest {
  @TempDir
  Path dir;

  private BeaconConfig config(Path passwordFile) {
    return ConfigLoader.load(null, Map.of("BEACON_QUERY_ADMIN_PASSWORD_FILE", passwordFile.toString(),
        "BEACON_HTTP_QUERY_PORT", "8081"));
  }

  @Test
  void aGeneratedPasswordIsTheSetupLinksCode() throws Exception {
    Path file = dir.resolve("admin-password.txt");
    Files.writeString(file, "Ab3_-xYz0123456789abcdef\n");
    String welcome = Up.welcome(config(file), dir.resolve("logs"), true);
    assertThat(welcome).contains("http://localhost:8081/dashboard/#setup=Ab3_-xYz0123456789abcdef\n");
    assertThat(welcome).doesNotContain("one-time password in");
  }

  @Test
  void withoutOneTheBlockSaysToLogIn() {
    String welcome = Up.welcome(config(dir.resolve("absent.txt")), dir.resolve("logs"), true);
    assertThat(welcome).doesNotContain("#setup=").contains("with your account (the first administrator is admin@localhost)");
  }

  @Test
  void aFileTheNodeDidNotWriteGivesNoLink() throws Exception {
    Path file = dir.resolve("admin-password.txt");
    Files.writeString(file, "not a code <script>\n");
    assertThat(Up.setupCode(file)).isNull();
  }
}
