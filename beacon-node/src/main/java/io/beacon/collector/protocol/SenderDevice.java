package io.beacon.collector.protocol;

/**
 * The device as a server-side sender describes it (GA4 Measurement Protocol's {@code device} object), already
 * validated and normalised by the parser; null means "not sent". Each field wins over what the User-Agent header
 * says; a version travels with its name (the parser refuses a version without it), so a hit never pairs the
 * sender's browser with the header's browser version.
 *
 * @param category {@code desktop}, {@code mobile}, {@code tablet} or {@code smart tv} (GA4's device categories)
 * @param model the device's model as sent ({@code Pixel 8}): the hit's {@code device_model}, {@code
 *     mobileDeviceModel} in reports
 * @param brand the device's brand as sent ({@code Google}): the hit's {@code device_brand}, {@code
 *     mobileDeviceBranding} in reports
 */
public record SenderDevice(String category, String browser, String browserVersion, String os, String osVersion,
    String model, String brand) {}
