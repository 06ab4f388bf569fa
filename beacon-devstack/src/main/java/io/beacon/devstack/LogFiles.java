package io.beacon.devstack;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/** Helpers for the children's log files, so failure messages can show what the server said. */
final class LogFiles {

  private static final int TAIL_BYTES = 16 * 1024;

  private LogFiles() {
  }

  /** Appends one line (e.g. a "starting ..." marker between restarts). */
  static void appendLine(Path file, String line) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, line + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The last {@code lines} lines of {@code file}, indented, or a note that there is none. */
  static String tail(Path file, int lines) {
    if (!Files.isRegularFile(file)) {
      return "    (no log file " + file + ")";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      long from = Math.max(0, length - TAIL_BYTES);
      byte[] bytes = new byte[(int) (length - from)];
      raf.seek(from);
      raf.readFully(bytes);
      List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
      List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
      return "    " + String.join(System.lineSeparator() + "    ", last);
    } catch (IOException e) {
      return "    (could not read " + file + ": " + e + ")";
    }
  }
}
