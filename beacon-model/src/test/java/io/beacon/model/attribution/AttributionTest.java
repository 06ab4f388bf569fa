package io.beacon.model.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The spec's attribution rules (docs/analytics-model.md, "Attribution"): campaign fields as sent, else gclid,
 * else the referrer, named the way GA4 names it.
 */
class AttributionTest {
  private static final String PAGE = "https://shop.example.com/p/1";
  private static final String HOST = "shop.example.com";
  private static final Set<String> NO_HOSTS = Set.of();

  private static Attribution referred(String referrer) {
    return Attribution.of(Attribution.NONE, null, PAGE, referrer, HOST, NO_HOSTS);
  }

  @ParameterizedTest(name = "{0} -> {1} / {2}")
  @CsvSource(delimiter = '|', textBlock = """
      https://www.google.com/                         | google               | organic  | Organic Search
      https://www.google.co.uk/search?q=shoes         | google               | organic  | Organic Search
      https://www.google.com.br/                      | google               | organic  | Organic Search
      https://www.bing.com/search?q=shoes             | bing                 | organic  | Organic Search
      https://duckduckgo.com/                         | duckduckgo           | organic  | Organic Search
      https://search.yahoo.com/search?p=shoes         | yahoo                | organic  | Organic Search
      https://uk.search.yahoo.com/                    | yahoo                | organic  | Organic Search
      https://yandex.ru/search/?text=shoes            | yandex               | organic  | Organic Search
      https://www.baidu.com/link?url=x                | baidu                | organic  | Organic Search
      https://www.ecosia.org/search?q=shoes           | ecosia               | organic  | Organic Search
      https://t.co/xK2mQ9                             | t.co                 | referral | Organic Social
      https://m.facebook.com/                         | m.facebook.com       | referral | Organic Social
      https://l.facebook.com/l.php?u=x                | l.facebook.com       | referral | Organic Social
      https://www.facebook.com/                       | www.facebook.com     | referral | Organic Social
      https://news.ycombinator.com/item?id=1          | news.ycombinator.com | referral | Organic Social
      https://www.youtube.com/watch?v=x               | www.youtube.com      | referral | Organic Video
      https://www.amazon.com/dp/x                     | www.amazon.com       | referral | Organic Shopping
      https://mail.google.com/mail/u/0/               | mail.google.com      | referral | Referral
      https://docs.google.com/document/d/x            | docs.google.com      | referral | Referral
      https://blog.example.org/2024/post              | blog.example.org     | referral | Referral
      https://www.example.com/post                    | www.example.com      | referral | Referral
      https://Blog.Example.ORG:8443/post              | blog.example.org     | referral | Referral
      https://example.com/                            | example.com          | referral | Referral
      """)
  void referrerNamedLikeGa4(String referrer, String source, String medium, String channel) {
    Attribution a = referred(referrer);
    assertThat(a).isEqualTo(new Attribution(source, medium, null, null, null));
    assertThat(a.channelGroup().apiValue()).isEqualTo(channel);
  }

  @Test
  void noReferrerIsDirect() {
    assertThat(referred(null)).isEqualTo(Attribution.DIRECT);
    assertThat(referred("")).isEqualTo(Attribution.DIRECT);
    assertThat(referred("not a url")).isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.DIRECT.channelGroup()).isEqualTo(ChannelGroup.DIRECT);
  }

  @Test
  void selfReferralIsDirect() {
    assertThat(referred("https://shop.example.com/cart")).isEqualTo(Attribution.DIRECT);
    assertThat(referred("http://SHOP.example.com:8080/")).isEqualTo(Attribution.DIRECT);
    assertThat(referred("https://www.shop.example.com/")).isEqualTo(Attribution.DIRECT);
    // The parent domain is another host unless the property lists it.
    assertThat(referred("https://example.com/")).extracting(Attribution::source, Attribution::medium)
        .containsExactly("example.com", "referral");
  }

  @Test
  void referrerFromAnAllowedHostnameIsDirect() {
    Set<String> own = Set.of("example.com", "Checkout.Example.NET");
    assertThat(Attribution.of(null, null, PAGE, "https://example.com/", HOST, own)).isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.of(null, null, PAGE, "https://blog.example.com/x", HOST, own)).isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.of(null, null, PAGE, "https://checkout.example.net/pay", HOST, own))
        .isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.of(null, null, PAGE, "https://example.net/", HOST, own))
        .extracting(Attribution::source, Attribution::medium).containsExactly("example.net", "referral");
    assertThat(Attribution.of(null, null, PAGE, "https://notexample.com/", HOST, own))
        .extracting(Attribution::source).isEqualTo("notexample.com");
    assertThat(Attribution.of(null, null, PAGE, "https://other.org/", null, null))
        .extracting(Attribution::source).isEqualTo("other.org");
  }

  @Test
  void utmOnThePageUrlAsSentWinsOverTheReferrer() {
    Attribution a = Attribution.of(Attribution.NONE, null,
        "https://a.com/?utm_source=News&utm_medium=email&utm_campaign=Spring%20Sale&utm_term=t&utm_content=c",
        "https://www.google.com/", "a.com", NO_HOSTS);
    assertThat(a).isEqualTo(new Attribution("News", "email", "Spring Sale", "t", "c"));
    assertThat(a.channelGroup()).isEqualTo(ChannelGroup.EMAIL);
    // A source without a medium: GA4's (not set).
    assertThat(Attribution.of(null, null, "https://a.com/?utm_source=nl", null, "a.com", NO_HOSTS))
        .isEqualTo(new Attribution("nl", "(not set)", null, null, null));
    // Campaign tags on a self-referred page still count.
    assertThat(Attribution.of(null, null, "https://a.com/x?utm_source=nl&utm_medium=email", "https://a.com/",
        "a.com", NO_HOSTS).source()).isEqualTo("nl");
    // A fragment is not the query; a bad escape is kept raw.
    assertThat(Attribution.of(null, null, "https://a.com/#utm_source=nl", null, "a.com", NO_HOSTS))
        .isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.of(null, null, "https://a.com/?utm_source=n%ZZ", null, "a.com", NO_HOSTS).source())
        .isEqualTo("n%ZZ");
  }

  @Test
  void explicitCampaignFieldsWinOverTheUrl() {
    Attribution explicit = new Attribution("ua-source", "ua-medium", "ua-campaign", null, null);
    Attribution a = Attribution.of(explicit, null,
        "https://a.com/?utm_source=url&utm_medium=url&utm_campaign=url&utm_term=url-term", "https://t.co/x", "a.com",
        NO_HOSTS);
    assertThat(a).isEqualTo(new Attribution("ua-source", "ua-medium", "ua-campaign", "url-term", null));
  }

  @Test
  void gclidIsGoogleCpcUnlessCampaignFieldsNameASource() {
    assertThat(Attribution.of(null, null, "https://a.com/?gclid=Cj0KCQ", "https://www.google.com/", "a.com", NO_HOSTS))
        .isEqualTo(new Attribution("google", "cpc", null, null, null));
    Attribution sent = Attribution.of(null, "Cj0KCQ", "https://a.com/?utm_campaign=spring", null, "a.com", NO_HOSTS);
    assertThat(sent).isEqualTo(new Attribution("google", "cpc", "spring", null, null));
    assertThat(sent.channelGroup()).isEqualTo(ChannelGroup.PAID_SEARCH);
    assertThat(Attribution.of(null, null, "https://a.com/?gclid=x&utm_source=fb&utm_medium=paid_social", null,
        "a.com", NO_HOSTS)).isEqualTo(new Attribution("fb", "paid_social", null, null, null));
  }

  @Test
  void campaignFieldsRideAlongWithAReferrerSource() {
    assertThat(Attribution.of(null, null, "https://a.com/?utm_campaign=launch", "https://t.co/x", "a.com", NO_HOSTS))
        .isEqualTo(new Attribution("t.co", "referral", "launch", null, null));
  }

  @Test
  void hostOf() {
    assertThat(Attribution.hostOf("https://WWW.Example.com:8443/x?y#z")).isEqualTo("www.example.com");
    assertThat(Attribution.hostOf("android-app://com.google.android.gm/")).isEqualTo("com.google.android.gm");
    assertThat(Attribution.hostOf("/relative/path")).isNull();
    assertThat(Attribution.hostOf("http://exa mple.com/")).isNull();
    assertThat(Attribution.hostOf(null)).isNull();
  }
}
