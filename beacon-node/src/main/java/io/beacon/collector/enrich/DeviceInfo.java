package io.beacon.collector.enrich;

/**
 * What is known about the device: the User-Agent's reading (and client hints'), with the fields a server-side sender
 * set ({@link io.beacon.collector.protocol.SenderDevice}) in their place; null fields are "(not set)" in reports.
 * {@code model} and {@code brand} come from the sender only: the User-Agent parser does not give them ({@link
 * UserAgents}). {@code bot} is the hit's {@code is_bot}: only the User-Agent decides it ({@link UserAgents}), never a
 * sender's device fields.
 */
public record DeviceInfo(String category, String browser, String browserVersion, String os, String osVersion,
    String model, String brand, boolean bot) {
  /** Nothing known about the device, and not a bot: a server-side hit without a (user's) User-Agent. */
  public static final DeviceInfo NOT_SET = new DeviceInfo(null, null, null, null, null, false);

  /** A User-Agent's reading: no model or brand. */
  public DeviceInfo(String category, String browser, String browserVersion, String os, String osVersion, boolean bot) {
    this(category, browser, browserVersion, os, osVersion, null, null, bot);
  }
}
