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

/**
 * The disk spool on real files: order, bound, commit/rewind, reopen after a crash, torn tails, a spool of the
 * previous format. Failures and power losses at every step: {@link SpoolCrashTest}.
 */
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
      assertThat(Files.size(dir.resolve("hits.v2.spool"))).isEqualTo(64); // the header only
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
    try (FileChannel ch = FileChannel.open(dir.resolve("hits.v2.spool"), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
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

  /** A record of the previous format: int length, int CRC32C, short key length, key, value. */
  private static byte[] legacyRecord(String key, String value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + 2 + k.length + v.length);
    b.putInt(2 + k.length + v.length).putInt(0).putShort((short) k.length).put(k).put(v);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 8, b.capacity() - 8);
    return b.putInt(4, (int) crc.getValue()).array();
  }

  private void writeLegacy(long pos, byte[]... records) throws IOException {
    Files.createDirectories(dir);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] r : records) {
      out.write(r);
    }
    Files.write(dir.resolve("hits.spool"), out.toByteArray());
    Files.write(dir.resolve("hits.spool.pos"), ByteBuffer.allocate(8).putLong(pos).array());
  }

  @Test
  void importsWhatASpoolOfThePreviousFormatHoldsOnce() throws IOException {
    byte[] first = legacyRecord("a", "1");
    writeLegacy(first.length, first, legacyRecord("a", "2"), legacyRecord("b", "3"));
    try (Spool s = Spool.open(dir, 1 << 20)) {
      assertThat(values(s.read(10))).containsExactly("a=2", "b=3");
    }
    assertThat(dir.resolve("hits.spool")).doesNotExist();
    assertThat(dir.resolve("hits.spool.pos")).doesNotExist();
    try (Spool s = Spool.open(dir, 1 << 20)) {
      assertThat(values(s.read(10))).containsExactly("a=2", "b=3"); // not committed, not imported twice
    }
  }

  @Test
  void aPreviousFormatPositionOffARecordBoundaryResendsEverythingRatherThanLosingIt() throws IOException {
    writeLegacy(5, legacyRecord("a", "1"), legacyRecord("a", "2"));
    try (Spool s = Spool.open(dir, 1 << 20)) {
      assertThat(values(s.read(10))).containsExactly("a=1", "a=2");
    }
  }
}
