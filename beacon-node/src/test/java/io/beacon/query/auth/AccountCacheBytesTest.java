package io.beacon.query.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Issue 19: "the account cache is bounded by entries, not bytes, with keys up to 64 KB". */
class AccountCacheBytesTest {
  @Test
  void theAccountCacheIsBoundedByBytesNotEntries() {
    Accounts accounts = new Accounts(new MemoryAccountStore());
    // Lookups of roles on made-up 64 KB property ids (a path anyone may send): each answer (none) is kept.
    int lookups = 2_000;
    for (int i = 0; i < lookups; i++) {
      String id = String.format("%06d", i) + "x".repeat(64 * 1024 - 6);
      assertThat(accounts.role("viewer@example.com", id).result()).isEmpty();
    }
    // 2,000 keys of 128 KiB (UTF-16) each are 250 MiB: an entry bound of 100,000 kept them all.
    long perEntry = 2L * (64 * 1024 + "role||viewer@example.com".length()) + Accounts.ENTRY_OVERHEAD_BYTES;
    assertThat(accounts.keptBytes()).as("estimated bytes kept").isLessThanOrEqualTo(16L << 20)
        .isGreaterThan((16L << 20) - 2 * perEntry);
    // Ordinary keys are still kept: the last lookups answer from memory.
    assertThat(accounts.keptBytes() / perEntry).isGreaterThan(100);
  }
}
