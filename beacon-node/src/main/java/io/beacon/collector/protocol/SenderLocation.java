package io.beacon.collector.protocol;

/**
 * Where a server-side sender says the user is (GA4 Measurement Protocol's {@code user_location}), validated by the
 * parser. When sent it replaces the IP lookup entirely (GA's rule: {@code user_location} wins over {@code
 * ip_override}), so fields it leaves out stay "(not set)" rather than being mixed with a lookup's.
 *
 * @param country ISO 3166-1 alpha-2, upper case ({@code country_id}, else the country part of {@code region_id})
 * @param region ISO 3166-2 subdivision code as sent in {@code region_id} (e.g. {@code US-CA}), upper case; the IP
 *     lookup gives the subdivision's English name instead, as the geo database has no codes-to-names table here
 * @param city the city name as sent
 */
public record SenderLocation(String country, String region, String city) {}
