package io.beacon.infra.schema;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which failures of the QuestDB migration mean "already done" (no server: the messages QuestDB 9 answers). */
class QuestDbSchemaTest {
  private static final String ADD = "ALTER TABLE hits ADD COLUMN IF NOT EXISTS device_brand SYMBOL";

  @Test
  void aColumnAnotherNodeAddedAtTheSameTimeIsNoFailure() {
    // Seen in the rehearsal: 3 nodes started together, one exited on it.
    assertThat(QuestDbSchema.alreadyApplied(ADD, "ERROR: [-100] duplicate column [name=device_brand] (00000)"))
        .isTrue();
  }

  @Test
  void aNoOpAddOfAnExistingColumnIsNoFailure() {
    assertThat(QuestDbSchema.alreadyApplied(ADD, "ERROR: statement is either no-op or not supported")).isTrue();
  }

  @Test
  void otherFailuresAndOtherStatementsStayFailures() {
    assertThat(QuestDbSchema.alreadyApplied(ADD, "ERROR: table does not exist [table=hits]")).isFalse();
    assertThat(QuestDbSchema.alreadyApplied("ALTER TABLE hits ADD COLUMN device_brand SYMBOL",
        "ERROR: [-100] duplicate column [name=device_brand] (00000)")).isFalse();
  }
}
