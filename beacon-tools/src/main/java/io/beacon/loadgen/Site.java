package io.beacon.loadgen;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The pages of one simulated web site: {@code pages} paths with titles whose popularity follows a power law
 * (Zipf: page k is visited in proportion to 1/k^s), on two host names. Deterministic for a given index.
 */
final class Site {
  private static final String[] SECTIONS = {"blog", "docs", "products", "help"};

  final List<String> hosts;
  private final String[] paths;
  private final String[] titles;
  private final double[] cumulative;

  Site(int index, int pages, double exponent) {
    String name = "site" + (index + 1);
    hosts = List.of("www." + name + ".example", "shop." + name + ".example");
    int n = Math.max(3, pages);
    paths = new String[n];
    titles = new String[n];
    String suffix = " – Site " + (index + 1);
    paths[0] = "/";
    titles[0] = "Home" + suffix;
    paths[1] = "/pricing";
    titles[1] = "Pricing" + suffix;
    // As browsers send it: location.href is percent-encoded, the title is not.
    paths[2] = "/%C3%BCber-uns";
    titles[2] = "Über uns" + suffix;
    for (int k = 3; k < n; k++) {
      String section = SECTIONS[k % SECTIONS.length];
      paths[k] = "/" + section + "/" + section.substring(0, section.length() - 1) + "-" + k;
      titles[k] = Character.toUpperCase(section.charAt(0)) + section.substring(1) + " " + k + suffix;
    }
    cumulative = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      cumulative[k] = sum;
    }
  }

  /** A page index drawn by popularity. */
  int page(Random random) {
    double r = random.nextDouble() * cumulative[cumulative.length - 1];
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < r) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  String path(int page) {
    return paths[page];
  }

  String title(int page) {
    return titles[page];
  }

  boolean isProduct(int page) {
    return paths[page].startsWith("/products/");
  }

  List<String> allPaths() {
    return new ArrayList<>(List.of(paths));
  }
}
