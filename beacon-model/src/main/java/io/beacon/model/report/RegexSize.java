package io.beacon.model.report;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An upper bound of the size a regular expression compiles to in RE2, checked before compiling: RE2/J expands a
 * counted repetition into copies of its operand, so {@code ((a{1000}){1000}){1000}} (24 characters) would compile
 * to 10⁹ instructions and exhaust the heap, and matching time grows with the compiled size. RE2 itself refuses
 * such nesting (its limit on repeats is 1,000); RE2/J does not check it.
 *
 * <p>Counts every atom (a character, an escape, a class, {@code .}, an anchor) once, a group as the sum of what it
 * holds, and {@code x{n,m}} as {@code x} times {@code m} ({@code n} when unbounded); {@code *}, {@code +} and
 * {@code ?} add nothing. Over-estimates a little (group prefixes such as {@code ?:} count as atoms), never under:
 * malformed syntax is left for the compiler to report.
 */
final class RegexSize {
  /** The largest size accepted: {@code [a-z]{1000}} fits, as does any 500-character pattern without counts. */
  static final int MAX = 2_000;

  private RegexSize() {}

  /** The estimated compiled size of {@code pattern}; once it exceeds {@link #MAX}, some value above it. */
  static long of(String pattern) {
    Deque<long[]> outer = new ArrayDeque<>(); // the enclosing groups' {size, last atom} while inside a group
    long size = 0;
    long last = 0; // the size of the last atom, which a following repetition applies to
    int n = pattern.length();
    int i = 0;
    while (i < n && size <= MAX) {
      char c = pattern.charAt(i);
      switch (c) {
        case '(' -> {
          outer.push(new long[] {size, last});
          size = 0;
          last = 0;
          i++;
          continue;
        }
        case ')' -> {
          if (!outer.isEmpty()) {
            long group = size;
            long[] o = outer.pop();
            size = o[0] + group;
            last = group;
          }
          i++;
          continue;
        }
        case '|' -> {
          last = 0;
          i++;
          continue;
        }
        case '*', '+', '?' -> {
          i++;
          continue;
        }
        case '{' -> {
          int end = repeatEnd(pattern, i);
          if (end > 0) {
            // A count above 1,000 is an error RE2/J reports itself; capped so the product cannot overflow.
            long count = Math.max(1, Math.min(repeatCount(pattern, i, end), 1_001));
            size += last * (count - 1);
            last *= count;
            i = end;
            continue;
          }
          i++; // a literal brace
        }
        case '\\' -> {
          if (pattern.startsWith("\\Q", i)) {
            // \Q...\E: every quoted character is an atom; a repetition after it applies to the last one.
            int close = pattern.indexOf("\\E", i + 2);
            int quoted = (close < 0 ? n : close) - (i + 2);
            size += quoted;
            last = quoted > 0 ? 1 : last;
            i = close < 0 ? n : close + 2;
            continue;
          }
          i = escapeEnd(pattern, i);
        }
        case '[' -> i = classEnd(pattern, i);
        default -> i++;
      }
      size++;
      last = 1;
    }
    while (!outer.isEmpty()) {
      size += outer.pop()[0];
    }
    return size;
  }

  /** The index after {@code {n}}, {@code {n,}} or {@code {n,m}} starting at {@code at}, or -1 when it is none. */
  private static int repeatEnd(String p, int at) {
    int i = at + 1;
    int digits = 0;
    while (i < p.length() && isDigit(p.charAt(i))) {
      i++;
      digits++;
    }
    if (digits == 0) {
      return -1;
    }
    if (i < p.length() && p.charAt(i) == ',') {
      i++;
      while (i < p.length() && isDigit(p.charAt(i))) {
        i++;
      }
    }
    return i < p.length() && p.charAt(i) == '}' ? i + 1 : -1;
  }

  /** An ASCII digit: the only ones RE2 reads in a count. */
  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The copies a repetition {@code p[from, to)} makes: its maximum, or its minimum when unbounded. */
  private static long repeatCount(String p, int from, int to) {
    String[] bounds = p.substring(from + 1, to - 1).split(",", -1);
    String count = bounds.length == 2 && !bounds[1].isEmpty() ? bounds[1] : bounds[0];
    // More than 4 digits is past RE2's limit of 1,000 anyway (and might not fit a long).
    return count.length() > 4 ? Long.MAX_VALUE : Long.parseLong(count);
  }

  /** The index after the escape at {@code at} ({@code \x}, {@code \pL}, {@code \p{Greek}}, {@code \x{263a}}). */
  private static int escapeEnd(String p, int at) {
    if (at + 1 >= p.length()) {
      return p.length();
    }
    char e = p.charAt(at + 1);
    if (e == 'p' || e == 'P' || e == 'x') {
      if (at + 2 < p.length() && p.charAt(at + 2) == '{') {
        int close = p.indexOf('}', at + 3);
        return close < 0 ? p.length() : close + 1;
      }
      return Math.min(p.length(), at + (e == 'x' ? 4 : 3));
    }
    return at + 2;
  }

  /** The index after the character class at {@code at}: one atom whatever it holds. */
  private static int classEnd(String p, int at) {
    int i = at + 1;
    if (i < p.length() && p.charAt(i) == '^') {
      i++;
    }
    if (i < p.length() && p.charAt(i) == ']') {
      i++; // a leading ] is a literal
    }
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '\\') {
        i = escapeEnd(p, i);
      } else if (c == '[' && p.startsWith("[:", i) && p.indexOf(":]", i + 2) >= 0) {
        i = p.indexOf(":]", i + 2) + 2;
      } else if (c == ']') {
        return i + 1;
      } else {
        i++;
      }
    }
    return p.length();
  }
}
