package io.beacon.model.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The source-category table (GA4's published list) and the search-engine table, as data. */
class SourceCategoriesTest {

  @Test
  void ga4sCategoriesByNameAndHost() {
    assertThat(SourceCategories.of("google")).contains(SourceCategory.SEARCH);
    assertThat(SourceCategories.of("bing")).contains(SourceCategory.SEARCH);
    assertThat(SourceCategories.of("yahoo.co.jp")).contains(SourceCategory.SEARCH);
    assertThat(SourceCategories.of("t.co")).contains(SourceCategory.SOCIAL);
    assertThat(SourceCategories.of("m.facebook.com")).contains(SourceCategory.SOCIAL);
    assertThat(SourceCategories.of("l.facebook.com")).contains(SourceCategory.SOCIAL);
    assertThat(SourceCategories.of("news.ycombinator.com")).contains(SourceCategory.SOCIAL);
    assertThat(SourceCategories.of("youtube.com")).contains(SourceCategory.VIDEO);
    assertThat(SourceCategories.of("amazon.com")).contains(SourceCategory.SHOPPING);
    assertThat(SourceCategories.of("Google Shopping")).contains(SourceCategory.SHOPPING);
    assertThat(SourceCategories.is("IGShopping", SourceCategory.SHOPPING)).isTrue();
    assertThat(SourceCategories.is("t.co", SourceCategory.SEARCH)).isFalse();
  }

  @Test
  void lookupIgnoresCaseAndOneLeadingWwwButNoOtherPrefix() {
    assertThat(SourceCategories.of("GOOGLE")).contains(SourceCategory.SEARCH);
    assertThat(SourceCategories.of("www.facebook.com")).contains(SourceCategory.SOCIAL);
    assertThat(SourceCategories.of("WWW.Reddit.com")).contains(SourceCategory.SOCIAL);
    // m. names a different host; only the ones GA4 lists are in.
    assertThat(SourceCategories.of("m.linkedin.com")).isEmpty();
    assertThat(SourceCategories.of("example.com")).isEmpty();
    assertThat(SourceCategories.of("(direct)")).isEmpty();
    assertThat(SourceCategories.of(null)).isEmpty();
  }

  @Test
  void theTableIsImmutableAndSizeable() {
    Map<String, SourceCategory> all = SourceCategories.all();
    assertThat(all).hasSizeGreaterThan(300).containsEntry("t.co", SourceCategory.SOCIAL);
    assertThatThrownBy(() -> all.put("x", SourceCategory.SOCIAL)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void everySearchEngineNameIsASearchSource() {
    // Attribution names organic visits after the engine; the channel group must then find it a search site.
    assertThat(SearchEngines.engines()).isNotEmpty()
        .allSatisfy(engine -> assertThat(SourceCategories.of(engine)).as(engine).contains(SourceCategory.SEARCH));
  }

  @Test
  void aMalformedTableFailsNamingTheLine() throws Exception {
    assertThatThrownBy(() -> parse("# c\nsource\tcategory\ngoogle\tSEARCH\nt.co\tSOCIALS\n"))
        .hasMessageContaining("t.tsv:4").hasMessageContaining("SOCIALS");
    assertThatThrownBy(() -> parse("source\tcategory\ngoogle\tSEARCH\nGoogle\tSEARCH\n"))
        .hasMessageContaining("t.tsv:3").hasMessageContaining("twice");
    assertThatThrownBy(() -> parse("source\tcategory\ngoogle SEARCH\n")).hasMessageContaining("t.tsv:2");
    assertThatThrownBy(() -> parse("google\tSEARCH\n")).hasMessageContaining("header");
    assertThatThrownBy(() -> parse("# only comments\n")).hasMessageContaining("no header");
    assertThat(parse("source\tcategory\n\n# search\nwww.Google\tSEARCH\n")).containsExactly(Map.entry("google",
        SourceCategory.SEARCH));
  }

  @Test
  void searchEnginePatterns() throws Exception {
    SearchEngines t = SearchEngines.parse(new StringReader(
        "pattern\tengine\ngoogle.*\tgoogle\n*.search.yahoo.com\tyahoo\nbing.com\tbing\n"), "e.tsv");
    assertThat(t.engineOf("google.com")).contains("google");
    assertThat(t.engineOf("www.google.co.uk")).contains("google");
    assertThat(t.engineOf("www.google.com.br")).contains("google");
    assertThat(t.engineOf("mail.google.com")).isEmpty();
    assertThat(t.engineOf("google.blogspot.com")).isEmpty();
    assertThat(t.engineOf("googleblog.com")).isEmpty();
    assertThat(t.engineOf("search.yahoo.com")).contains("yahoo");
    assertThat(t.engineOf("uk.search.yahoo.com")).contains("yahoo");
    assertThat(t.engineOf("yahoo.com")).isEmpty();
    assertThat(t.engineOf("WWW.BING.COM")).contains("bing");
    assertThat(t.engineOf("bing.com.evil.example")).isEmpty();
    assertThatThrownBy(() -> SearchEngines.parse(new StringReader("pattern\tengine\ngo*gle.com\tgoogle\n"), "e.tsv"))
        .hasMessageContaining("e.tsv:2");
  }

  private static Map<String, SourceCategory> parse(String tsv) throws Exception {
    return SourceCategories.parse(new StringReader(tsv), "t.tsv");
  }
}
