package io.beacon.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ErasuresTableTest {
  private static final long ERASED_AT = 1_000_000L;
  private static final Map<String, Long> TOMBSTONES = Map.of(
      ErasuresTable.key("P", ErasuresTable.CLIENT_ID, "c1"), ERASED_AT,
      ErasuresTable.key("P", ErasuresTable.USER_ID, "u1"), ERASED_AT);

  @Test
  void aHitOfAnErasedClientOrUserReceivedUpToTheErasureIsErased() {
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c1", null, ERASED_AT)).isTrue();
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c2", "u1", ERASED_AT - 5)).isTrue();
  }

  @Test
  void aHitReceivedAfterTheErasureAnotherPropertysOrAnotherPersonsIsKept() {
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c1", null, ERASED_AT + 1)).as("a new visit").isFalse();
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "Q", "c1", "u1", ERASED_AT)).as("another property").isFalse();
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c2", "u2", ERASED_AT)).isFalse();
    // A user id equal to an erased client id is another person: the kinds are apart.
    assertThat(ErasuresTable.erased(TOMBSTONES::get, "P", "c2", "c1", ERASED_AT)).isFalse();
  }
}
