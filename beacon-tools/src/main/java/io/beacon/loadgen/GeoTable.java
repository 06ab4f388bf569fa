package io.beacon.loadgen;

import java.util.List;
import java.util.Random;

/**
 * Client networks of several countries (/24 IPv4 networks; the collector anonymises the last octet before the
 * lookup, so a /24 maps to one place) and the place a geo database is expected to give for each. The ground truth
 * takes this table as input: it holds only where the node's database says the same (the tests write their
 * database from it); with any other database, leave geo out of the truth.
 */
public final class GeoTable {

  /** A network {@code prefix}.0/24 and its expected place; null place = not in the database. */
  public record Network(String prefix, String country, String region, String city, int weight) {
    /** A host address in this network. */
    public String address(Random random) {
      return prefix + "." + (1 + random.nextInt(254));
    }

    public String cidr() {
      return prefix + ".0/24";
    }
  }

  /** Made-up places for real-looking networks, plus a documentation range no database knows. */
  public static final List<Network> DEFAULT = List.of(
      new Network("81.2.69", "GB", "England", "London", 10),
      new Network("2.125.160", "GB", "Scotland", "Edinburgh", 3),
      new Network("216.160.83", "US", "Washington", "Milton", 12),
      new Network("24.48.0", "US", "California", "San Francisco", 8),
      new Network("2.16.6", "DE", "Hesse", "Frankfurt am Main", 9),
      new Network("5.39.10", "FR", "Île-de-France", "Paris", 6),
      new Network("89.160.20", "SE", "Östergötland County", "Linköping", 3),
      new Network("187.16.0", "BR", "São Paulo", "São Paulo", 5),
      new Network("49.204.0", "IN", "Karnataka", "Bengaluru", 6),
      new Network("101.100.0", "JP", "Tokyo", "Tokyo", 4),
      new Network("198.51.100", null, null, null, 2));

  private GeoTable() {}

  public static Network pick(Random random) {
    int total = DEFAULT.stream().mapToInt(Network::weight).sum();
    int r = random.nextInt(total);
    for (Network n : DEFAULT) {
      r -= n.weight();
      if (r < 0) {
        return n;
      }
    }
    throw new IllegalStateException("unreachable");
  }
}
