package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The node's bounds on open real-time streams (issue 19: "SSE streams are uncapped clustered consumers"). */
class StreamLimitsTest {
  @Test
  void streamsAreBoundedPerPropertyAndPerNodeAndASlotIsReleasedOnce() {
    StreamLimits limits = new StreamLimits(3, 2);
    StreamLimits.Opened a1 = limits.tryOpen("A");
    StreamLimits.Opened a2 = limits.tryOpen("A");
    assertThat(a1.slot()).isNotNull();
    assertThat(a2.slot()).isNotNull();
    assertThat(limits.tryOpen("A").full()).isEqualTo(StreamLimits.Full.PROPERTY);
    assertThat(limits.tryOpen("B").slot()).isNotNull();
    assertThat(limits.tryOpen("C").full()).isEqualTo(StreamLimits.Full.NODE);
    assertThat(limits.open()).as("refusals hold nothing").isEqualTo(3);
    a1.slot().release();
    a1.slot().release(); // a close after an end: once only
    assertThat(limits.open()).isEqualTo(2);
    assertThat(limits.open("A")).isEqualTo(1);
    assertThat(limits.tryOpen("C").slot()).isNotNull();
    a2.slot().release();
    assertThat(limits.open("A")).isZero();
  }
}
