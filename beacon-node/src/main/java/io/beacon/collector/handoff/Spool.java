package io.beacon.collector.handoff;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, append-only spool of Kafka records on local disk that loses no acknowledged record to an I/O
 * error, a kill -9 or (when the caller fsyncs before acknowledging) a power loss. Records are read back in append
 * order and committed once Kafka has them. The file is locked, so two processes never share a spool.
 * Thread-safe; every method does blocking file I/O, so call it from a worker thread, never from an event loop.
 *
 * <p><b>Durability</b>: {@link #append} writes through the OS page cache, which survives a kill -9 of the
 * process; {@link #force} (fsync) also survives a power cut. The caller picks the policy ({@code
 * collector.spool.fsync}); commits are always fsynced.
 *
 * <p><b>Format</b>: one file, {@value #FILE}. A 64-byte header: 8 bytes of magic, then two marker slots of 16
 * bytes (the sequence number of the last committed record, a CRC32C of it, 4 bytes of padding), then zeros.
 * Records follow: {@code int n, int crc, long seq, short keyLength, key (UTF-8), value}, where {@code n} counts
 * the bytes after the first eight (seq to the end of the value) and the CRC32C covers {@code n} and those bytes.
 * Sequence numbers grow by one per record appended, never go back (a failed append burns its numbers), and go
 * on across restarts and across reuses of the file.
 *
 * <p><b>Appending</b> writes the records at the end of the last good record. If the write fails (a short write
 * and ENOSPC, EIO), the file is truncated back to that end before anything else is written; if even the
 * truncate fails, the next append retries it first and fails if it cannot. So the file never holds a torn
 * record followed by another record: a torn or half-written record is only ever the last thing in the file,
 * and a record after a bad one is never acknowledged. {@link #force} is the fsync the caller's policy asks for:
 * with {@code always} a record is acknowledged only after it, so it is durable, together with the file's size.
 *
 * <p><b>Committing</b> writes the sequence number to the marker slot not holding the current mark (a torn
 * write damages only that slot, whose CRC then fails) and fsyncs before it returns; only then, when everything
 * is committed, is the file truncated to its header and reused. Recovery (at open, after an fsync so that it
 * decides from what a power loss would leave) does not trust offsets: it walks the records from the header while
 * each is whole (length, CRC) and its sequence number is above the previous one, cuts the file after the last of
 * them (a torn tail, or stale bytes of a previous use of the file or of a failed append: their numbers are
 * lower), skips those numbered at or below the higher valid mark, and continues numbering above everything it
 * saw. One file reused rather than segments: the numbers make stale bytes harmless, so no offset ever needs to
 * be durable, and the file's creation is the only directory change to fsync.
 *
 * <p><b>Guarantees</b>, whatever reached the disk and in whatever order (each write possibly torn), given that a
 * successful fsync made everything written before it durable: a record
 * appended and fsynced is read back, in order, until a commit covering it returns, and never after (not after a
 * power loss either). A record read and sent but not yet committed when the process died is read again, so
 * Kafka may get it twice: consumers drop the copy by request id (as they do for a hit spooled after a slow
 * send). A record whose append threw is gone once a later append succeeded; one whose append succeeded but
 * whose fsync failed (its hit answered with an error) may still be sent, once.
 *
 * <p>A spool in the format before this one ({@code hits.spool} and {@code hits.spool.pos}) is imported at open
 * (its uncommitted records appended here, fsynced, then its files deleted); a crash during the import can only
 * import some records twice, never lose them.
 */
public final class Spool implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

  /** A record: Kafka key and value; {@code end} is where it ends in the spool (for {@link #commit}). */
  public record Entry(String key, byte[] value, long end) {}

  static final String FILE = "hits.v2.spool";
  private static final String LEGACY = "hits.spool";
  private static final String LEGACY_POS = "hits.spool.pos";
  private static final byte[] MAGIC = {'B', 'C', 'N', 'S', 'P', 'O', 'O', 'L'};
  private static final int SLOT = 16;
  private static final int SLOTS_AT = 8;
  /** Offset of the first record: the header's size. */
  static final int DATA = 64;
  private static final int HEADER = 8; // int n + int crc
  private static final int MIN_BODY = 8 + 2; // seq + key length
  /** Larger records are refused, and a length above it read back is damage (not a 1 GiB allocation). */
  static final int MAX_RECORD = 64 << 20;

  private final SpoolStorage storage;
  private final SpoolStorage.File file;
  private final long maxBytes;
  /** Offset of the first record not committed. */
  private long committed;
  /** Offset of the next record to read. */
  private long readPos;
  /** End of the last good record: the spool's content ends here whatever the file holds after it. */
  private long end;
  /** The file may hold bytes after {@link #end} (a failed append or truncate): cut them before writing. */
  private boolean dirtyTail;
  private long nextSeq;
  /** The durable mark: records numbered up to this one are committed. */
  private long committedSeq;
  /** The marker slot holding {@link #committedSeq}. */
  private int markerSlot;
  /** Number of the last record read (the next one read must be above it). */
  private long readSeq;
  /** End offset and number of each record read and not committed, in order. */
  private final ArrayDeque<long[]> readNotCommitted = new ArrayDeque<>();

  private Spool(SpoolStorage storage, SpoolStorage.File file, long maxBytes) {
    this.storage = storage;
    this.file = file;
    this.maxBytes = maxBytes;
  }

  /** Opens (creating) the spool in {@code dir}; fails if another process holds it. */
  public static Spool open(Path dir, long maxBytes) throws IOException {
    return open(SpoolStorage.directory(dir), maxBytes);
  }

  /** Opens (creating) the spool in {@code storage}; fails if another process holds it. */
  public static Spool open(SpoolStorage storage, long maxBytes) throws IOException {
    SpoolStorage.File file = storage.open(FILE);
    try {
      if (!file.tryLock()) {
        throw new IOException("spool " + storage + " is in use by another process");
      }
      storage.syncDirectory(); // the file's creation is durable before any record in it is acknowledged
      Spool s = new Spool(storage, file, maxBytes);
      s.recover();
      s.importLegacy();
      return s;
    } catch (IOException | RuntimeException e) {
      try {
        file.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void recover() throws IOException {
    // What a killed predecessor left in the page cache becomes durable before anything is decided from it.
    file.force();
    long size = file.size();
    if (size < DATA) {
      initialize(); // new, or its creation was cut short: nothing was acknowledged from it
      return;
    }
    ByteBuffer header = ByteBuffer.allocate(DATA);
    readFully(header, 0);
    committedSeq = 0;
    markerSlot = -1;
    for (int slot = 0; slot < 2; slot++) {
      long seq = header.getLong(SLOTS_AT + slot * SLOT);
      if (header.getInt(SLOTS_AT + slot * SLOT + 8) == slotCrc(seq) && (markerSlot < 0 || seq > committedSeq)) {
        committedSeq = seq;
        markerSlot = slot;
      }
    }
    long p = DATA;
    long lastSeq = 0;
    long first = -1;
    for (Rec r; (r = readAt(p, size, lastSeq)) != null; p = r.end) {
      lastSeq = r.seq;
      if (first < 0 && r.seq > committedSeq) {
        first = p;
      }
    }
    if (!Arrays.equals(Arrays.copyOf(header.array(), MAGIC.length), MAGIC)) {
      if (p == DATA) {
        initialize(); // a header cut short at creation, no record after it
        return;
      }
      throw new IOException("spool " + storage + "/" + FILE + " has records but no spool header: not touching it");
    }
    if (markerSlot < 0) {
      LOG.error("Spool {}: both commit markers are damaged; resending all {} bytes it holds", storage, p - DATA);
      markerSlot = 0;
    }
    end = p;
    nextSeq = Math.max(committedSeq, lastSeq) + 1;
    boolean cut = false;
    if (p < size) {
      LOG.warn("Spool {}: cutting {} bytes after the last whole record (a write cut short, or bytes of an earlier use)", storage, size - p);
      file.truncate(p);
      cut = true;
    }
    if (first < 0) { // everything in it is committed: reuse it (the mark is durable, see the force above)
      if (end > DATA) {
        file.truncate(DATA);
        cut = true;
      }
      end = first = DATA;
    }
    if (cut) {
      file.force();
    }
    committed = readPos = first;
    readSeq = committedSeq;
  }

  private void initialize() throws IOException {
    ByteBuffer h = ByteBuffer.allocate(DATA);
    h.put(MAGIC);
    for (int slot = 0; slot < 2; slot++) {
      h.putLong(SLOTS_AT + slot * SLOT, 0).putInt(SLOTS_AT + slot * SLOT + 8, slotCrc(0));
    }
    writeFully(h.clear(), 0);
    file.truncate(DATA);
    file.force();
    committedSeq = 0;
    markerSlot = 0;
    nextSeq = 1;
    readSeq = 0;
    end = committed = readPos = DATA;
  }

  /** Appends records in order; false (nothing written) if they would exceed the spool's bound. */
  public synchronized boolean append(List<Entry> records) throws IOException {
    return write(records, true);
  }

  private boolean write(List<Entry> records, boolean bounded) throws IOException {
    if (records.isEmpty()) {
      return true;
    }
    List<byte[]> keys = new ArrayList<>(records.size());
    long bytes = 0;
    for (Entry r : records) {
      byte[] key = r.key().getBytes(StandardCharsets.UTF_8);
      if (key.length > 0xFFFF) {
        throw new IllegalArgumentException("key of " + key.length + " bytes: at most 65535");
      }
      keys.add(key);
      long size = (long) HEADER + MIN_BODY + key.length + r.value().length;
      if (size > MAX_RECORD) {
        throw new IllegalArgumentException("record of " + size + " bytes: at most " + MAX_RECORD);
      }
      bytes += size;
    }
    if (bytes > Integer.MAX_VALUE || (bounded && end - committed + bytes > maxBytes)) {
      return false;
    }
    if (dirtyTail) {
      file.truncate(end); // a failed append's bytes go before anything after them can be acknowledged
      dirtyTail = false;
    }
    ByteBuffer b = ByteBuffer.allocate((int) bytes);
    for (int i = 0; i < records.size(); i++) {
      encode(b, nextSeq + i, keys.get(i), records.get(i).value());
    }
    nextSeq += records.size(); // burnt even if the write fails: stale bytes of a failed record never pass for newer
    try {
      writeFully(b.flip(), end);
    } catch (IOException e) {
      IOException t = cutTail();
      if (t != null) {
        e.addSuppressed(t);
      }
      throw e;
    }
    end += bytes;
    return true;
  }

  /**
   * Truncates the file to {@link #end}; if that fails, the next append retries it before writing. Returns the
   * failure, if any.
   */
  private IOException cutTail() {
    dirtyTail = true;
    try {
      file.truncate(end);
      dirtyTail = false;
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  /** fsync: what was appended survives a power loss (and the commit marks with it). */
  public synchronized void force() throws IOException {
    file.force();
  }

  /** Up to {@code max} records after the read cursor, advancing it. */
  public synchronized List<Entry> read(int max) throws IOException {
    List<Entry> out = new ArrayList<>();
    while (out.size() < max && readPos < end) {
      Rec r = readAt(readPos, end, readSeq);
      if (r == null) {
        // Not a torn write (those are cut at open and on a failed append): the disk changed under us.
        LOG.error("Spool {}: the record at offset {} no longer reads back whole (a disk error?): dropping it and "
            + "the {} bytes after it", storage, readPos, end - readPos);
        end = readPos;
        IOException t = cutTail();
        if (t != null) {
          LOG.warn("Spool {}: truncate failed, retried before the next append", storage, t);
        }
        break;
      }
      out.add(new Entry(r.key, r.value, r.end));
      readNotCommitted.add(new long[] {r.end, r.seq});
      readPos = r.end;
      readSeq = r.seq;
    }
    return out;
  }

  /**
   * Records up to {@code offset} (an {@link Entry#end} from {@link #read}) are in Kafka: once this returns they
   * are never read again, even after a power loss. When all are, the file is emptied for reuse.
   */
  public synchronized void commit(long offset) throws IOException {
    if (offset <= committed) {
      return;
    }
    long seq = -1;
    for (long[] r : readNotCommitted) {
      if (r[0] == offset) {
        seq = r[1];
        break;
      }
    }
    if (seq < 0) {
      throw new IllegalArgumentException("offset " + offset + " is not the end of a record read and not committed");
    }
    writeMark(seq);
    while (!readNotCommitted.isEmpty() && readNotCommitted.peek()[0] <= offset) {
      readNotCommitted.poll();
    }
    committed = offset;
    if (committed >= end && readPos >= end) {
      // The mark is durable: if this truncate is lost, the records come back numbered at or below it, skipped.
      committed = readPos = end = DATA;
      readNotCommitted.clear();
      IOException t = cutTail();
      if (t != null) {
        LOG.warn("Spool {}: emptying failed, retried before the next append", storage, t);
      }
    }
  }

  /** Writes the mark to the slot not holding the current one and fsyncs: a torn write leaves the current one. */
  private void writeMark(long seq) throws IOException {
    int slot = 1 - markerSlot;
    ByteBuffer b = ByteBuffer.allocate(SLOT).putLong(0, seq).putInt(8, slotCrc(seq));
    writeFully(b, SLOTS_AT + (long) slot * SLOT);
    file.force();
    markerSlot = slot;
    committedSeq = seq;
  }

  /** Rewinds the read cursor to the last commit (after a failed send: resend from there). */
  public synchronized void rewind() {
    readPos = committed;
    readSeq = committedSeq;
    readNotCommitted.clear();
  }

  /** Bytes appended and not yet committed. */
  public synchronized long pendingBytes() {
    return end - committed;
  }

  public synchronized boolean isDrained() {
    return committed >= end;
  }

  /** Appends what a spool of the previous format ({@code hits.spool}, {@code hits.spool.pos}) still holds. */
  private void importLegacy() throws IOException {
    if (!storage.exists(LEGACY)) {
      return;
    }
    long count = 0;
    try (SpoolStorage.File old = storage.open(LEGACY)) {
      long size = old.size();
      long p = 0;
      if (storage.exists(LEGACY_POS)) {
        try (SpoolStorage.File pos = storage.open(LEGACY_POS)) {
          ByteBuffer b = ByteBuffer.allocate(8);
          p = pos.read(b, 0) == 8 ? b.getLong(0) : 0;
        }
      }
      // The old format did not fsync its position: one not on a record boundary means resending all, not losing.
      long q = 0;
      for (Entry e; q < p && (e = readLegacy(old, q, size)) != null; ) {
        q = e.end();
      }
      if (q != p) {
        p = 0;
      }
      List<Entry> batch = new ArrayList<>();
      for (Entry e; (e = readLegacy(old, p, size)) != null; p = e.end()) {
        batch.add(e);
        if (batch.size() == 1000) {
          write(batch, false);
          count += batch.size();
          batch.clear();
        }
      }
      write(batch, false);
      count += batch.size();
    }
    file.force();
    storage.delete(LEGACY_POS);
    storage.delete(LEGACY);
    storage.syncDirectory();
    LOG.info("Spool {}: imported {} records from the previous spool format", storage, count);
  }

  private static Entry readLegacy(SpoolStorage.File f, long p, long size) throws IOException {
    if (p + 8 > size) {
      return null;
    }
    ByteBuffer h = ByteBuffer.allocate(8);
    readFully(f, h, p);
    int len = h.getInt(0);
    if (len < 2 || p + 8 + len > size) {
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    readFully(f, body, p + 8);
    CRC32C c = new CRC32C();
    c.update(body.array(), 0, len);
    int keyLen = body.getShort(0) & 0xFFFF;
    if ((int) c.getValue() != h.getInt(4) || 2 + keyLen > len) {
      return null;
    }
    return new Entry(new String(body.array(), 2, keyLen, StandardCharsets.UTF_8),
        Arrays.copyOfRange(body.array(), 2 + keyLen, len), p + 8 + len);
  }

  private static void encode(ByteBuffer b, long seq, byte[] key, byte[] value) {
    int start = b.position();
    int n = MIN_BODY + key.length + value.length;
    b.putInt(n).putInt(0).putLong(seq).putShort((short) key.length).put(key).put(value);
    b.putInt(start + 4, crc(b.array(), start, n));
  }

  /** CRC32C of a record's length field and of its {@code n} bytes after the header. */
  private static int crc(byte[] a, int start, int n) {
    CRC32C c = new CRC32C();
    c.update(a, start, 4);
    c.update(a, start + HEADER, n);
    return (int) c.getValue();
  }

  private static int slotCrc(long seq) {
    CRC32C c = new CRC32C();
    c.update(ByteBuffer.allocate(8).putLong(0, seq).array());
    return (int) c.getValue();
  }

  private record Rec(long seq, String key, byte[] value, long end) {}

  /** The whole record at {@code p} ending by {@code limit} and numbered above {@code afterSeq}, or null. */
  private Rec readAt(long p, long limit, long afterSeq) throws IOException {
    if (p + HEADER + MIN_BODY > limit) {
      return null;
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    readFully(h, p);
    int n = h.getInt(0);
    if (n < MIN_BODY || n > MAX_RECORD - HEADER || p + HEADER + n > limit) {
      return null;
    }
    ByteBuffer r = ByteBuffer.allocate(HEADER + n);
    readFully(r, p);
    byte[] a = r.array();
    long seq = r.getLong(HEADER);
    int keyLen = r.getShort(HEADER + 8) & 0xFFFF;
    if (crc(a, 0, n) != r.getInt(4) || seq <= afterSeq || MIN_BODY + keyLen > n) {
      return null;
    }
    int keyAt = HEADER + MIN_BODY;
    return new Rec(seq, new String(a, keyAt, keyLen, StandardCharsets.UTF_8),
        Arrays.copyOfRange(a, keyAt + keyLen, HEADER + n), p + HEADER + n);
  }

  private void readFully(ByteBuffer b, long p) throws IOException {
    readFully(file, b, p);
  }

  private static void readFully(SpoolStorage.File f, ByteBuffer b, long p) throws IOException {
    while (b.hasRemaining()) {
      if (f.read(b, p + b.position()) < 0) {
        throw new IOException("unexpected end of spool");
      }
    }
  }

  private void writeFully(ByteBuffer b, long p) throws IOException {
    int start = b.position();
    while (b.hasRemaining()) {
      file.write(b, p + b.position() - start);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      file.force();
    } finally {
      file.close();
    }
  }
}
