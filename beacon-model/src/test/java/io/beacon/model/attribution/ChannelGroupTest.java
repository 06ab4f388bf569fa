package io.beacon.model.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GA4's default channel group, case by case from "[GA4] Default channel group" (support.google.com/analytics/
 * answer/9756891): every group reached, the order deciding where two rules both match, and the exact-match
 * conditions not matching near misses. Source categories are GA4's published ones (google: search, t.co:
 * social, youtube.com: video, amazon.com: shopping).
 */
class ChannelGroupTest {

  @ParameterizedTest(name = "{0} / {1} / {2} -> {3}")
  @CsvSource(nullValues = "null", delimiter = '|', textBlock = """
      (direct)           | (none)            | null                   | DIRECT
      (direct)           | (not set)         | null                   | DIRECT
      (direct)           | null              | null                   | DIRECT
      google             | cpc               | pmax-cross-network-q4  | CROSS_NETWORK
      amazon.com         | cpc               | null                   | PAID_SHOPPING
      Google Shopping    | ppc               | null                   | PAID_SHOPPING
      bing               | cpc               | summer-shop            | PAID_SHOPPING
      newsletter         | paid              | christmasshopping      | PAID_SHOPPING
      google             | cpc               | null                   | PAID_SEARCH
      bing               | ppc               | brand                  | PAID_SEARCH
      duckduckgo         | paidsearch        | null                   | PAID_SEARCH
      facebook           | paid_social       | null                   | PAID_SOCIAL
      t.co               | cpc               | null                   | PAID_SOCIAL
      linkedin.com       | cpm               | null                   | PAID_SOCIAL
      youtube            | cpv               | null                   | PAID_VIDEO
      vimeo.com          | retargeting       | null                   | PAID_VIDEO
      adnetwork          | display           | null                   | DISPLAY
      adnetwork          | banner            | null                   | DISPLAY
      adnetwork          | expandable        | null                   | DISPLAY
      adnetwork          | interstitial      | null                   | DISPLAY
      adnetwork          | cpm               | null                   | DISPLAY
      adnetwork          | cpc               | null                   | PAID_OTHER
      partner            | cpa               | null                   | PAID_OTHER
      partner            | retargeting       | null                   | PAID_OTHER
      amazon             | referral          | null                   | ORGANIC_SHOPPING
      ebay.com           | referral          | null                   | ORGANIC_SHOPPING
      newsletter         | email             | spring-shop            | ORGANIC_SHOPPING
      newsletter         | email             | eshop-launch           | ORGANIC_SHOPPING
      t.co               | referral          | null                   | ORGANIC_SOCIAL
      m.facebook.com     | referral          | null                   | ORGANIC_SOCIAL
      news.ycombinator.com | referral        | null                   | ORGANIC_SOCIAL
      mastodon.example   | social            | null                   | ORGANIC_SOCIAL
      forum              | social-network    | null                   | ORGANIC_SOCIAL
      forum              | social media      | null                   | ORGANIC_SOCIAL
      forum              | sm                | null                   | ORGANIC_SOCIAL
      youtube.com        | referral          | null                   | ORGANIC_VIDEO
      m.youtube.com      | referral          | null                   | ORGANIC_VIDEO
      partner            | explainer-video   | null                   | ORGANIC_VIDEO
      google             | organic           | null                   | ORGANIC_SEARCH
      duckduckgo         | organic           | null                   | ORGANIC_SEARCH
      some-engine        | organic           | null                   | ORGANIC_SEARCH
      news.google.com    | referral          | null                   | ORGANIC_SEARCH
      google             | email             | null                   | ORGANIC_SEARCH
      example.com        | referral          | null                   | REFERRAL
      partner            | app               | null                   | REFERRAL
      partner            | link              | workshop-2024          | REFERRAL
      newsletter         | email             | spring                 | EMAIL
      email              | weekly            | null                   | EMAIL
      newsletter         | e-mail            | null                   | EMAIL
      newsletter         | e_mail            | null                   | EMAIL
      newsletter         | e mail            | null                   | EMAIL
      partner            | affiliate         | null                   | AFFILIATES
      spotify            | audio             | null                   | AUDIO
      sms                | text              | null                   | SMS
      twilio             | sms               | null                   | SMS
      onesignal          | web-push          | null                   | MOBILE_PUSH_NOTIFICATIONS
      braze              | mobile            | null                   | MOBILE_PUSH_NOTIFICATIONS
      braze              | notification-daily| null                   | MOBILE_PUSH_NOTIFICATIONS
      firebase           | null              | null                   | MOBILE_PUSH_NOTIFICATIONS
      newsletter         | weekly            | null                   | UNASSIGNED
      partner            | affiliates        | null                   | UNASSIGNED
      partner            | emails            | null                   | UNASSIGNED
      partner            | referrals         | null                   | UNASSIGNED
      null               | null              | null                   | UNASSIGNED
      (direct)           | referral          | null                   | REFERRAL
      """)
  void groupsLikeGa4(String source, String medium, String campaign, ChannelGroup expected) {
    assertThat(ChannelGroup.of(source, medium, campaign)).isEqualTo(expected);
  }

  @Test
  void everyGroupIsReachedByTheExamples() throws Exception {
    Set<ChannelGroup> reached = EnumSet.noneOf(ChannelGroup.class);
    String table = ChannelGroupTest.class.getDeclaredMethod("groupsLikeGa4", String.class, String.class, String.class,
        ChannelGroup.class).getAnnotation(CsvSource.class).textBlock();
    table.lines().filter(l -> !l.isBlank())
        .forEach(l -> reached.add(ChannelGroup.valueOf(l.substring(l.lastIndexOf('|') + 1).strip())));
    assertThat(reached).containsExactlyInAnyOrder(ChannelGroup.values());
  }

  @Test
  void caseIsIgnoredAsInGa4() {
    assertThat(ChannelGroup.of("Google", "CPC", null)).isEqualTo(ChannelGroup.PAID_SEARCH);
    assertThat(ChannelGroup.of("Newsletter", "Email", "Spring")).isEqualTo(ChannelGroup.EMAIL);
    assertThat(ChannelGroup.of("partner", "x", "Summer-SHOP")).isEqualTo(ChannelGroup.ORGANIC_SHOPPING);
    assertThat(ChannelGroup.of("FACEBOOK.COM", "Referral", null)).isEqualTo(ChannelGroup.ORGANIC_SOCIAL);
  }

  @Test
  void shopOnlyAtAWordStartOrAfterAnE() {
    // ^(.*(([^a-df-z]|^)shop|shopping).*)$: "shop" after a non-letter, an "e" or at the start; "shopping" anywhere.
    assertThat(ChannelGroup.of("partner", "x", "shop")).isEqualTo(ChannelGroup.ORGANIC_SHOPPING);
    assertThat(ChannelGroup.of("partner", "x", "2024_shop")).isEqualTo(ChannelGroup.ORGANIC_SHOPPING);
    assertThat(ChannelGroup.of("partner", "x", "eshop")).isEqualTo(ChannelGroup.ORGANIC_SHOPPING);
    assertThat(ChannelGroup.of("partner", "x", "workshop")).isEqualTo(ChannelGroup.UNASSIGNED);
    assertThat(ChannelGroup.of("partner", "x", "bishop")).isEqualTo(ChannelGroup.UNASSIGNED);
    assertThat(ChannelGroup.of("partner", "x", "windowshopping")).isEqualTo(ChannelGroup.ORGANIC_SHOPPING);
  }

  @Test
  void groupsAreDeclaredInGa4sOrderWithGa4sNames() {
    assertThat(Arrays.stream(ChannelGroup.values()).map(ChannelGroup::apiValue)).containsExactly(
        "Direct", "Cross-network", "Paid Shopping", "Paid Search", "Paid Social", "Paid Video", "Display",
        "Paid Other", "Organic Shopping", "Organic Social", "Organic Video", "Organic Search", "Referral", "Email",
        "Affiliates", "Audio", "SMS", "Mobile Push Notifications", "Unassigned");
    assertThat(ChannelGroup.fromApiValue("organic search")).contains(ChannelGroup.ORGANIC_SEARCH);
    assertThat(ChannelGroup.fromApiValue("Social")).isEmpty();
  }
}
