package io.beacon.collector.handoff;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The few file operations the {@link Spool} does, behind an interface so that tests can inject I/O failures and
 * power losses at every step ({@code SpoolCrashTest}). {@link #directory} is the real one: files in a directory,
 * through {@link FileChannel}.
 */
public interface SpoolStorage {
  /** One file: positional reads and writes, truncate, fsync. */
  interface File extends Closeable {
    long size() throws IOException;

    /** Reads into {@code dst} from {@code position}; -1 at the end of the file (as {@link FileChannel#read}). */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes from {@code src} at {@code position}; may write fewer bytes than remain (as {@link FileChannel#write}). */
    int write(ByteBuffer src, long position) throws IOException;

    void truncate(long size) throws IOException;

    /** fsync of the file's data and of what is needed to read it back (its size): {@code FileChannel.force(false)}. */
    void force() throws IOException;

    /** Locks the file against other processes until it is closed; false if another process holds it. */
    boolean tryLock() throws IOException;
  }

  /** Opens the named file for reading and writing, creating it if it is missing. */
  File open(String name) throws IOException;

  boolean exists(String name) throws IOException;

  /** Deletes the named file if it exists. */
  void delete(String name) throws IOException;

  /** fsync of the directory: makes the creation and deletion of its files durable. */
  void syncDirectory() throws IOException;

  /** The files in {@code dir}, which is created if it is missing. */
  static SpoolStorage directory(Path dir) throws IOException {
    Files.createDirectories(dir);
    return new Directory(dir);
  }

  /** Files in a directory of the local file system. */
  final class Directory implements SpoolStorage {
    private final Path dir;

    private Directory(Path dir) {
      this.dir = dir;
    }

    @Override
    public File open(String name) throws IOException {
      FileChannel ch = FileChannel.open(dir.resolve(name),
          StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new File() {
        private FileLock lock;

        @Override
        public long size() throws IOException {
          return ch.size();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
          return ch.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
          return ch.write(src, position);
        }

        @Override
        public void truncate(long size) throws IOException {
          ch.truncate(size);
        }

        @Override
        public void force() throws IOException {
          ch.force(false);
        }

        @Override
        public boolean tryLock() throws IOException {
          lock = ch.tryLock();
          return lock != null;
        }

        @Override
        public void close() throws IOException {
          try {
            if (lock != null) {
              lock.release();
            }
          } finally {
            ch.close();
          }
        }
      };
    }

    @Override
    public boolean exists(String name) {
      return Files.exists(dir.resolve(name));
    }

    @Override
    public void delete(String name) throws IOException {
      Files.deleteIfExists(dir.resolve(name));
    }

    @Override
    public void syncDirectory() throws IOException {
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        // Some platforms (Windows) cannot open or fsync a directory; Linux and macOS can.
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) {
          throw e;
        }
      }
    }

    @Override
    public String toString() {
      return dir.toString();
    }
  }
}
