package io.beacon.model.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Finding "ReDoS on an event loop": regular-expression report filters run against values anyone can track, so they
 * are matched by RE2/J in linear time, in RE2's syntax (GA4's), and a pattern that would compile too large is
 * refused before compiling.
 */
class DimensionFilterRedosTest {
  private static final String VALUE = "dimensionFilter.filter.stringFilter.value";

  private static DimensionFilter regex(String matchType, String pattern, boolean caseSensitive) {
    return DimensionFilter.parse(Map.of("filter", Map.of("fieldName", "pagePath", "stringFilter",
        Map.of("matchType", matchType, "value", pattern, "caseSensitive", caseSensitive))), "dimensionFilter", 0);
  }

  private static boolean matches(DimensionFilter filter, String pagePath) {
    return filter.matches(Map.of("pagePath", pagePath));
  }

  @Test
  void hostileRegexFilterRunsInLinearTime() {
    // java.util.regex backtracks exponentially here: 10.9 s on the 31-character path, forever on the long one.
    // The bound is generous (a loaded machine): RE2/J takes milliseconds for both.
    DimensionFilter partial = regex("PARTIAL_REGEXP", "(.*a){12}$", false);
    DimensionFilter full = regex("FULL_REGEXP", "(.*a){12}$", true);
    String path31 = "/" + "a".repeat(29) + "b";
    String path10k = "/" + "a".repeat(9_998) + "b";
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      assertThat(matches(partial, path31)).isFalse();
      assertThat(matches(full, path31)).isFalse();
      assertThat(matches(partial, path10k)).isFalse();
      assertThat(matches(full, path10k)).isFalse();
      assertThat(matches(partial, path10k.substring(0, 9_999))).isTrue();
    });
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      (a)\\1       | invalid escape sequence: `\\1`
      /(?=blog)   | invalid or unsupported Perl syntax: `(?=`
      /(?!blog)   | invalid or unsupported Perl syntax: `(?!`
      /blog/a++   | invalid nested repetition operator: `++`
      /blog/(     | missing closing ): `/blog/(`
      """)
  void syntaxRe2DoesNotSupportIsRefusedNamingTheField(String pattern, String problem) {
    for (boolean caseSensitive : new boolean[] {true, false}) {
      assertThatThrownBy(() -> regex("PARTIAL_REGEXP", pattern, caseSensitive))
          .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(VALUE))
          .hasMessage(VALUE + ": invalid regular expression: " + problem
              + " (RE2 syntax, as in GA4: no backreferences, lookaround or possessive quantifiers)");
    }
  }

  @Test
  void nestedCountedRepetitionsAreRefusedBeforeCompiling() {
    // RE2/J would expand this to 10^9 instructions and run out of heap while compiling.
    assertThatThrownBy(() -> regex("FULL_REGEXP", "((a{1000}){1000}){1000}", true))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(VALUE))
        .hasMessageContaining("regular expression too large once its counted repetitions");
    assertThatThrownBy(() -> regex("FULL_REGEXP", "(/[a-z]{1,100}){100}", true))
        .hasMessageContaining("too large");
    // One count over RE2's 1,000 is RE2's own error.
    assertThatThrownBy(() -> regex("FULL_REGEXP", "a{1001}", true)).hasMessageContaining("invalid repeat count");
    assertThat(matches(regex("FULL_REGEXP", "/[a-z]{1,1000}", true), "/abc")).isTrue();
  }

  @Test
  void matchTypesAndCaseKeepTheirMeaning() {
    assertThat(matches(regex("FULL_REGEXP", "/blog/.*", false), "/BLOG/post")).isTrue();
    assertThat(matches(regex("FULL_REGEXP", "/blog/.*", true), "/BLOG/post")).isFalse();
    assertThat(matches(regex("FULL_REGEXP", "blog", false), "/blog/post")).isFalse();
    assertThat(matches(regex("PARTIAL_REGEXP", "blog", false), "/blog/post")).isTrue();
    assertThat(matches(regex("PARTIAL_REGEXP", "^/(en|de)/\\d{4}$", true), "/de/2024")).isTrue();
    // Unicode case folding, as java.util.regex's UNICODE_CASE did.
    assertThat(matches(regex("FULL_REGEXP", "/ÉTÉ", false), "/été")).isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiterString = "=>", textBlock = """
      abc                 => 3
      (ab){3}             => 6
      [a-z]{10}           => 10
      [a-z]{2,10}x        => 11
      [a-z]{5,}           => 5
      (?:a|b){2}          => 6
      []{}a]{4}           => 4
      \\Qa{5}\\E          => 4
      \\p{Greek}{3}       => 3
      a\\{5}              => 4
      ((a{10}){10}){10}   => 1000
      """)
  void regexSizeCountsRepetitionsExpanded(String pattern, long size) {
    assertThat(RegexSize.of(pattern)).isEqualTo(size);
  }
}
