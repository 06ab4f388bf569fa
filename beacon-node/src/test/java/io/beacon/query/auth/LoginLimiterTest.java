package io.beacon.query.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoginLimiterTest {
  private static final long WINDOW = 5 * 60_000;
  private static final String ADMIN = "admin@example.com";

  @Test
  void fiveFailuresFromOneClientBlockThatClientOnThatAccountOnly() {
    LoginLimiter l = LoginLimiter.standard();
    long t = 1_000_000;
    for (int i = 0; i < 5; i++) {
      assertThat(l.blocked(ADMIN, "198.51.100.7", t)).as("attempt %d", i + 1).isFalse();
      l.failed(ADMIN, "198.51.100.7", t++);
    }
    assertThat(l.blocked(ADMIN, "198.51.100.7", t)).isTrue();
    // The account's owner, elsewhere, still logs in with the right password.
    assertThat(l.blocked(ADMIN, "203.0.113.20", t)).isFalse();
    // Other clients and other accounts are untouched, and so is the failing client on another account.
    assertThat(l.blocked("someone@example.com", "203.0.113.21", t)).isFalse();
    assertThat(l.blocked("someone@example.com", "198.51.100.7", t)).isFalse();
    // The window passes.
    assertThat(l.blocked(ADMIN, "198.51.100.7", t + WINDOW)).isFalse();
  }

  @Test
  void oneClientTryingManyAccountsIsBlockedOnAll() {
    LoginLimiter l = LoginLimiter.standard();
    long t = 0;
    for (int i = 0; i < 20; i++) {
      assertThat(l.blocked("user" + i + "@example.com", "198.51.100.8", t)).isFalse();
      l.failed("user" + i + "@example.com", "198.51.100.8", t);
    }
    assertThat(l.blocked("fresh@example.com", "198.51.100.8", t)).isTrue();
    assertThat(l.blocked("fresh@example.com", "198.51.100.9", t)).isFalse();
  }

  @Test
  void aSuccessClearsItsOwnAccountAndClientOnly() {
    LoginLimiter l = new LoginLimiter(3, 5, WINDOW);
    for (int i = 0; i < 3; i++) {
      l.failed(ADMIN, "198.51.100.7", i);
    }
    assertThat(l.blocked(ADMIN, "198.51.100.7", 10)).isTrue();
    l.succeeded(ADMIN, "198.51.100.7");
    assertThat(l.blocked(ADMIN, "198.51.100.7", 10)).isFalse();
    // Logging into one's own account does not reset the address's count over all accounts.
    l.failed("a@example.com", "198.51.100.7", 11);
    l.failed("b@example.com", "198.51.100.7", 12);
    l.succeeded("mine@example.com", "198.51.100.7");
    assertThat(l.blocked("c@example.com", "198.51.100.7", 13)).isTrue();
  }

  @Test
  void failuresSlideOutOfTheWindowAndExpiredKeysAreDropped() {
    LoginLimiter l = new LoginLimiter(2, 100, 1_000);
    l.failed(ADMIN, "198.51.100.7", 0);
    l.failed(ADMIN, "198.51.100.7", 600);
    assertThat(l.blocked(ADMIN, "198.51.100.7", 999)).isTrue();
    assertThat(l.blocked(ADMIN, "198.51.100.7", 1_000)).isFalse(); // the first has left the window
    assertThat(l.blocked(ADMIN, "198.51.100.7", 1_600)).isFalse();
    assertThat(l.size()).isZero();
    // Many one-off failures long ago do not stay in memory: past the bound, each failure prunes expired keys.
    for (int i = 0; i < 10_500; i++) {
      l.failed("user" + i + "@example.com", "10.0." + (i / 250) + "." + (i % 250), 2_000);
    }
    l.failed(ADMIN, "198.51.100.7", 10_000);
    assertThat(l.size()).isEqualTo(2);
  }
}
