package io.beacon.loadgen;

import java.util.List;
import java.util.Random;

/**
 * Real User-Agent strings with what a UA parser is expected to make of them (device category, browser, OS).
 * The expectations are fixed here, not computed: {@code UserAgentTableTest} checks them once against the
 * collector's parser, so the ground truth never runs Beacon's code.
 */
public final class UserAgentTable {

  /** One User-Agent string and its expected reading; {@code weight} is its share of human (or bot) traffic. */
  public record Agent(String userAgent, String deviceCategory, String browser, String os, boolean bot, int weight) {}

  /** Humans: desktop, phone and tablet browsers in roughly today's proportions. */
  public static final List<Agent> HUMANS = List.of(
      new Agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
          "desktop", "Chrome", "Windows", false, 24),
      new Agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
          "desktop", "Firefox", "Windows", false, 5),
      new Agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
          "desktop", "Edge", "Windows", false, 6),
      new Agent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
          "desktop", "Safari", "Mac OS X", false, 6),
      new Agent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
          "desktop", "Chrome", "Mac OS X", false, 6),
      new Agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
          "desktop", "Chrome", "Linux", false, 2),
      new Agent("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
          "desktop", "Firefox", "Ubuntu", false, 1),
      new Agent("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
          "mobile", "Chrome Mobile", "Android", false, 20),
      new Agent("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
          "mobile", "Samsung Internet", "Android", false, 4),
      new Agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
          "mobile", "Mobile Safari", "iOS", false, 14),
      new Agent("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
          "mobile", "Chrome Mobile iOS", "iOS", false, 3),
      new Agent("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
          "tablet", "Mobile Safari", "iOS", false, 3),
      new Agent("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
          "tablet", "Chrome", "Android", false, 2));

  /** Crawlers that run JavaScript (so they reach the tracker): they count only as bot hits. */
  public static final List<Agent> BOTS = List.of(
      new Agent("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", null, null, true, 5),
      new Agent("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
          "bot", null, null, true, 3),
      new Agent("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bot", null, null, true, 3),
      new Agent("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "bot", null, null, true, 1),
      new Agent("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "bot", null, null, true, 1));

  private UserAgentTable() {}

  /** A weighted pick from {@code agents}. */
  public static Agent pick(List<Agent> agents, Random random) {
    int total = agents.stream().mapToInt(Agent::weight).sum();
    int r = random.nextInt(total);
    for (Agent a : agents) {
      r -= a.weight();
      if (r < 0) {
        return a;
      }
    }
    throw new IllegalStateException("unreachable");
  }
}
