package io.beacon.collector.handoff;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A bounded, append-only spool of Kafka records on local disk: one data file of length-prefixed,
 * checksummed records and a small position file saying how far it has been drained. Records are
 * read back in append order; once everything is drained the file is truncated. A torn record at
 * the end (a crash mid-write) is detected by its checksum and cut off at open. The file is locked,
 * so two processes never share a spool. Thread-safe; every method does blocking file I/O, so call
 * it from a worker thread, never from an event loop.
 *
 * <p>Durability: {@link #append} writes through the OS page cache, which survives a kill -9 of the
 * process; {@link #force} (fsync) also survives a power cut. The caller picks the policy.
 */
public final class Spool implements Closeable {
  /** A record: Kafka key and value; {@code end} is its end offset in the file (for {@link #commit}). */
  public record Entry(String key, byte[] value, long end) {}

  private static final int HEADER = 8; // int length + int crc
  private final SpoolStorage.File data;
  private final SpoolStorage.File pos;
  private final long maxBytes;
  private long committed;
  private long readPos;
  private long end;

  private Spool(SpoolStorage.File data, SpoolStorage.File pos, long maxBytes) {
    this.data = data;
    this.pos = pos;
    this.maxBytes = maxBytes;
  }

  /** Opens (creating) the spool in {@code dir}; fails if another process holds it. */
  public static Spool open(Path dir, long maxBytes) throws IOException {
    return open(SpoolStorage.directory(dir), maxBytes);
  }

  /** Opens (creating) the spool in {@code storage}; fails if another process holds it. */
  public static Spool open(SpoolStorage storage, long maxBytes) throws IOException {
    SpoolStorage.File data = storage.open("hits.spool");
    if (!data.tryLock()) {
      data.close();
      throw new IOException("spool " + storage + " is in use by another process");
    }
    SpoolStorage.File pos = storage.open("hits.spool.pos");
    Spool s = new Spool(data, pos, maxBytes);
    s.recover();
    return s;
  }

  private void recover() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8);
    committed = pos.read(b, 0) == 8 ? b.flip().getLong() : 0;
    long size = data.size();
    if (committed > size || committed < 0) {
      committed = 0;
    }
    // Walk the records after the committed position; cut a torn or corrupt tail.
    long p = committed;
    while (true) {
      Entry e = readAt(p, size);
      if (e == null) {
        break;
      }
      p = e.end();
    }
    if (p < size) {
      data.truncate(p);
    }
    end = p;
    readPos = committed;
    if (committed == end && end > 0) {
      data.truncate(0);
      committed = readPos = end = 0;
      writePos(0);
    }
  }

  /** Appends records in order; false (nothing written) if they would exceed the spool's bound. */
  public synchronized boolean append(List<Entry> records) throws IOException {
    int bytes = 0;
    List<ByteBuffer> bufs = new ArrayList<>(records.size());
    for (Entry r : records) {
      ByteBuffer b = encode(r);
      bytes += b.remaining();
      bufs.add(b);
    }
    if (end - committed + bytes > maxBytes) {
      return false;
    }
    for (ByteBuffer b : bufs) {
      while (b.hasRemaining()) {
        end += data.write(b, end);
      }
    }
    return true;
  }

  /** fsync of the data file. */
  public synchronized void force() throws IOException {
    data.force();
  }

  /** Up to {@code max} records after the read cursor, advancing it. */
  public synchronized List<Entry> read(int max) throws IOException {
    List<Entry> out = new ArrayList<>();
    while (out.size() < max && readPos < end) {
      Entry e = readAt(readPos, end);
      if (e == null) {
        throw new IOException("corrupt spool record at offset " + readPos);
      }
      out.add(e);
      readPos = e.end();
    }
    return out;
  }

  /** Records up to {@code offset} are in Kafka. When all are, the file is emptied. */
  public synchronized void commit(long offset) throws IOException {
    committed = Math.max(committed, offset);
    if (committed >= end && readPos >= end) {
      data.truncate(0);
      committed = readPos = end = 0;
    }
    writePos(committed);
  }

  /** Rewinds the read cursor to the last commit (after a failed send: resend from there). */
  public synchronized void rewind() {
    readPos = committed;
  }

  /** Bytes appended and not yet committed. */
  public synchronized long pendingBytes() {
    return end - committed;
  }

  public synchronized boolean isDrained() {
    return committed >= end;
  }

  private void writePos(long value) throws IOException {
    pos.write(ByteBuffer.allocate(8).putLong(0, value), 0);
  }

  private static ByteBuffer encode(Entry r) {
    byte[] key = r.key().getBytes(StandardCharsets.UTF_8);
    int payload = 2 + key.length + r.value().length;
    ByteBuffer b = ByteBuffer.allocate(HEADER + payload);
    b.putInt(payload).putInt(0).putShort((short) key.length).put(key).put(r.value());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), HEADER, payload);
    b.putInt(4, (int) crc.getValue());
    return b.flip();
  }

  private Entry readAt(long p, long limit) throws IOException {
    if (p + HEADER > limit) {
      return null;
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    readFully(h, p);
    int len = h.getInt(0);
    int crc = h.getInt(4);
    if (len < 2 || p + HEADER + len > limit) {
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    readFully(body, p + HEADER);
    CRC32C c = new CRC32C();
    c.update(body.array(), 0, len);
    if ((int) c.getValue() != crc) {
      return null;
    }
    int keyLen = body.getShort(0) & 0xFFFF;
    if (2 + keyLen > len) {
      return null;
    }
    String key = new String(body.array(), 2, keyLen, StandardCharsets.UTF_8);
    byte[] value = new byte[len - 2 - keyLen];
    System.arraycopy(body.array(), 2 + keyLen, value, 0, value.length);
    return new Entry(key, value, p + HEADER + len);
  }

  private void readFully(ByteBuffer b, long p) throws IOException {
    while (b.hasRemaining()) {
      int n = data.read(b, p + b.position());
      if (n < 0) {
        throw new IOException("unexpected end of spool");
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      data.force();
    } finally {
      data.close();
      pos.close();
    }
  }
}
