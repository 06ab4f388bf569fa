package io.beacon.collector.enrich;

/**
 * What the User-Agent (and client hints) say about the device; null fields are "(not set)" in reports. {@code bot}
 * is the hit's {@code is_bot}: only the User-Agent decides it ({@link UserAgents}), never a sender's device fields.
 */
public record DeviceInfo(String category, String browser, String browserVersion, String os, String osVersion, boolean bot) {
  /** Nothing known about the device, and not a bot: a server-side hit without a (user's) User-Agent. */
  public static final DeviceInfo NOT_SET = new DeviceInfo(null, null, null, null, null, false);
}
