package io.beacon.collector.enrich;

/** What the User-Agent (and client hints) say about the device. */
public record DeviceInfo(String category, String browser, String browserVersion, String os, String osVersion, boolean bot) {}
