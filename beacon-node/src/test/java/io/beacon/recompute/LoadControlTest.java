package io.beacon.recompute;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadControlTest {
  private final List<String> started = new ArrayList<>();

  private Future<String> submit(LoadControl load, String property, String key, Promise<String> work) {
    return load.submit(property, key, () -> {
      started.add(key);
      return work.future();
    });
  }

  @Test
  void boundsRunningPerNodeAndPerPropertyQueuesTheRestAndRefusesBeyondTheQueue() {
    LoadControl load = new LoadControl(2, 1, 1);
    Promise<String> a = Promise.promise();
    Promise<String> b = Promise.promise();
    Promise<String> c = Promise.promise();
    Future<String> fa = submit(load, "p1", "a", a);
    Future<String> fb = submit(load, "p1", "b", b); // p1 is at its limit: queued
    Future<String> fc = submit(load, "p2", "c", c);
    assertThat(started).containsExactly("a", "c");
    assertThat(load.running()).isEqualTo(2);
    assertThat(load.queued()).isEqualTo(1);

    Future<String> refused = submit(load, "p3", "d", Promise.promise());
    assertThat(refused.failed()).isTrue();
    assertThat(refused.cause()).isInstanceOf(LoadControl.Overloaded.class);

    a.complete("A");
    assertThat(fa.result()).isEqualTo("A");
    assertThat(started).containsExactly("a", "c", "b");
    b.fail("boom");
    c.complete("C");
    assertThat(fb.failed()).isTrue();
    assertThat(fc.result()).isEqualTo("C");
    assertThat(load.running()).isZero();
  }

  @Test
  void identicalRequestsShareOneComputation() {
    LoadControl load = new LoadControl(1, 1, 4);
    Promise<String> work = Promise.promise();
    Future<String> first = submit(load, "p", "same", work);
    Future<String> second = submit(load, "p", "same", Promise.promise());
    assertThat(started).containsExactly("same");
    work.complete("R");
    assertThat(first.result()).isEqualTo("R");
    assertThat(second.result()).isEqualTo("R");
    // Once done, the same key computes again (the cache, not the load control, keeps results).
    submit(load, "p", "same", Promise.promise());
    assertThat(started).containsExactly("same", "same");
  }

  @Test
  void aComputationThatFailsAtOnceFreesItsSlot() {
    LoadControl load = new LoadControl(1, 1, 2);
    Future<String> f = load.submit("p", "x", () -> {
      throw new IllegalStateException("no");
    });
    assertThat(f.failed()).isTrue();
    assertThat(load.running()).isZero();
  }
}
