package io.beacon.infra.config;

/**
 * The SMTP server a node sends email through, and the scheduled email reports (README, "Email reports").
 *
 * @param host      the SMTP server; empty: no mail (reports cannot be enabled)
 * @param port      its port (587 submission with STARTTLS, 465 implicit TLS, 25)
 * @param startTls  {@code REQUIRED} (fail rather than send in the clear), {@code OPTIONAL} or {@code DISABLED}
 * @param ssl       implicit TLS from the first byte (port 465); then {@code startTls} is not used
 * @param username  the SMTP login; empty: none
 * @param password  its password, from {@code passwordFile} ({@code BEACON_MAIL_PASSWORD_FILE}) or the environment,
 *                  never a file in the repository; never logged
 * @param from      the sender address of every message
 * @param publicDashboardUrl the dashboard's base URL as recipients reach it, linked from each report
 * @param reports   the scheduled reports
 */
public record MailConfig(String host, int port, StartTls startTls, boolean ssl, String username, String password,
    String from, String publicDashboardUrl, Reports reports) {

  /** Whether STARTTLS is required, used when offered, or never used. */
  public enum StartTls { REQUIRED, OPTIONAL, DISABLED }

  /**
   * @param enabled  the query role sends the subscribed weekly and monthly reports
   * @param sendHour the local hour (property's zone) after a period's end at which its report is due, 0-23
   * @param tickMs   how often each query instance looks for due reports
   * @param claimTimeoutMinutes a claim left SENDING this long (its node died between claim and send) may be retaken
   * @param maxAttempts sends of one report before it is given up (FAILED for good)
   */
  public record Reports(boolean enabled, int sendHour, long tickMs, int claimTimeoutMinutes, int maxAttempts) {}

  public boolean configured() {
    return host != null && !host.isBlank();
  }

  void validate(Validator v) {
    v.require(startTls != null, "mail.startTls", "must be REQUIRED, OPTIONAL or DISABLED");
    if (configured()) {
      v.port(port, "mail.port");
      v.require(from != null && from.matches("[^@\\s]+@[^@\\s]+"), "mail.from", "must be an email address");
    }
    boolean user = username != null && !username.isEmpty();
    boolean pass = password != null && !password.isEmpty();
    v.require(!user || pass, "mail.password", "is required when mail.username is set (BEACON_MAIL_PASSWORD_FILE or "
        + "BEACON_MAIL_PASSWORD)");
    v.require(user || !pass, "mail.username", "is required when a mail password is given");
    v.require(publicDashboardUrl != null && publicDashboardUrl.matches("https?://[^\\s]+"), "mail.publicDashboardUrl",
        "must be an http(s) URL");
    v.require(reports != null, "mail.reports", "is required");
    if (reports != null) {
      v.require(!reports.enabled() || configured(), "mail.reports.enabled", "needs mail.host (an SMTP server)");
      v.require(reports.sendHour() >= 0 && reports.sendHour() <= 23, "mail.reports.sendHour",
          "must be 0-23, was " + reports.sendHour());
      v.require(reports.tickMs() >= 1_000, "mail.reports.tickMs", "must be >= 1000, was " + reports.tickMs());
      v.require(reports.claimTimeoutMinutes() >= 1, "mail.reports.claimTimeoutMinutes",
          "must be >= 1, was " + reports.claimTimeoutMinutes());
      v.require(reports.maxAttempts() >= 1, "mail.reports.maxAttempts", "must be >= 1, was " + reports.maxAttempts());
    }
  }

  /** Never the password: records print their fields, and configurations end up in logs. */
  @Override
  public String toString() {
    return "MailConfig[host=" + host + ", port=" + port + ", startTls=" + startTls + ", ssl=" + ssl + ", username="
        + username + ", password=" + (password == null || password.isEmpty() ? "(none)" : "(set)") + ", from=" + from
        + ", publicDashboardUrl=" + publicDashboardUrl + ", reports=" + reports + "]";
  }
}
