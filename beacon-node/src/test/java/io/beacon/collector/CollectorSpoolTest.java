package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.collector.handoff.Spool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The disk spool: order, bound, commit/rewind, reopen after a crash, torn tails. */
class CollectorSpoolTest {
  private final Path dir = Path.of("target", "test-spool", UUID.randomUUID().toString());

  private static Spool.Entry e(String key, String value) {
    return new Spool.Entry(key, value.getBytes(StandardCharsets.UTF_8), 0);
  }

  private static List<String> values(List<Spool.Entry> entries) {
    return entries.stream().map(x -> x.key() + "=" + new String(x.value(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void appendsReadBackInOrderAndEmptyOnceCommitted() throws IOException {
    try (Spool s = Spool.open(dir, 1 << 20)) {
      assertThat(s.isDrained()).isTrue();
      assertThat(s.append(List.of(e("a", "1"), e("b", "2")))).isTrue();
      assertThat(s.append(List.of(e("a", "3")))).isTrue();
      List<Spool.Entry> first = s.read(2);
      assertThat(values(first)).containsExactly("a=1", "b=2");
      s.rewind(); // a failed send: read again from the last commit
      first = s.read(2);
      s.commit(first.get(1).end());
      assertThat(s.isDrained()).isFalse();
      List<Spool.Entry> rest = s.read(10);
      assertThat(values(rest)).containsExactly("a=3");
      s.commit(rest.get(0).end());
      assertThat(s.isDrained()).isTrue();
      assertThat(s.pendingBytes()).isZero();
      assertThat(Files.size(dir.resolve("hits.spool"))).isZero();
    }
  }

  @Test
  void refusesRecordsBeyondItsBound() throws IOException {
    try (Spool s = Spool.open(dir, 4096)) {
      int accepted = 0;
      while (s.append(List.of(e("k", "x".repeat(500))))) {
        accepted++;
      }
      assertThat(accepted).isBetween(6, 8);
      assertThat(s.pendingBytes()).isLessThanOrEqualTo(4096);
    }
  }

  @Test
  void reopenResumesAfterTheLastCommitAndCutsATornTail() throws IOException {
    try (Spool s = Spool.open(dir, 1 << 20)) {
      s.append(List.of(e("a", "1"), e("a", "2"), e("a", "3")));
      s.commit(s.read(1).get(0).end());
    }
    // A crash in the middle of the next append leaves half a record behind.
    try (FileChannel ch = FileChannel.open(dir.resolve("hits.spool"), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 2, 3}));
    }
    try (Spool s = Spool.open(dir, 1 << 20)) {
      assertThat(values(s.read(10))).containsExactly("a=2", "a=3");
      assertThat(s.append(List.of(e("a", "4")))).isTrue();
      assertThat(values(s.read(10))).containsExactly("a=4");
      // Another process (or instance) cannot open the same spool.
      assertThatThrownBy(() -> Spool.open(dir, 1 << 20)).isInstanceOf(Exception.class);
    }
  }
}
