package io.beacon.collector.protocol;

/**
 * The device as a server-side sender describes it (GA4 Measurement Protocol's {@code device} object), already
 * validated and normalised by the parser; null means "not sent". Each field wins over what the User-Agent header
 * says; a version travels with its name (the parser refuses a version without it), so a hit never pairs the
 * sender's browser with the header's browser version.
 *
 * <p>{@code model} and {@code brand} are validated but not kept: the hit has no column for them yet.
 *
 * @param category {@code desktop}, {@code mobile}, {@code tablet} or {@code smart tv} (GA4's device categories)
 */
public record SenderDevice(String category, String browser, String browserVersion, String os, String osVersion) {}
