package io.beacon.model.report;

import io.beacon.model.aggregation.DerivedMetrics;
import io.beacon.model.aggregation.MetricState;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * The metrics a report can ask for, by GA4 Data API name, and how each is read from a merged
 * {@link MetricState}, and which of its distinct counts each needs merged ({@link #sketches()}). Sums are exact;
 * user and session counts are exact up to {@link MetricState#EXACT_UP_TO} distinct values and HLL estimates above
 * (see MetricState for the bound); ratios are derived at query time.
 */
public enum ReportMetric {
  SCREEN_PAGE_VIEWS("screenPageViews", "TYPE_INTEGER", 0, m -> m.screenPageViews()),
  EVENT_COUNT("eventCount", "TYPE_INTEGER", 0, m -> m.eventCount()),
  KEY_EVENTS("keyEvents", "TYPE_INTEGER", 0, m -> m.keyEvents()),
  USER_ENGAGEMENT_DURATION("userEngagementDuration", "TYPE_SECONDS", 0, DerivedMetrics::userEngagementDurationSeconds),
  NEW_USERS("newUsers", "TYPE_INTEGER", 0, m -> m.newUsers()),
  TOTAL_USERS("totalUsers", "TYPE_INTEGER", MetricState.USERS, m -> m.users()),
  /** Its own count (an engaged session, engagement time or a first visit), not the client count. */
  ACTIVE_USERS("activeUsers", "TYPE_INTEGER", MetricState.ACTIVE_USERS, m -> m.activeUsers()),
  SESSIONS("sessions", "TYPE_INTEGER", MetricState.SESSIONS, m -> m.sessions()),
  ENGAGED_SESSIONS("engagedSessions", "TYPE_INTEGER", MetricState.ENGAGED_SESSIONS, m -> m.engagedSessions()),
  ENGAGEMENT_RATE("engagementRate", "TYPE_FLOAT", MetricState.SESSIONS | MetricState.ENGAGED_SESSIONS, DerivedMetrics::engagementRate),
  BOUNCE_RATE("bounceRate", "TYPE_FLOAT", MetricState.SESSIONS | MetricState.ENGAGED_SESSIONS, DerivedMetrics::bounceRate),
  AVERAGE_SESSION_DURATION("averageSessionDuration", "TYPE_SECONDS", MetricState.SESSIONS, DerivedMetrics::averageSessionDuration),
  SCREEN_PAGE_VIEWS_PER_SESSION("screenPageViewsPerSession", "TYPE_FLOAT", MetricState.SESSIONS, DerivedMetrics::screenPageViewsPerSession),
  EVENTS_PER_SESSION("eventsPerSession", "TYPE_FLOAT", MetricState.SESSIONS, DerivedMetrics::eventsPerSession);

  private final String apiName;
  private final String type;
  private final int sketches;
  private final Function<MetricState, Number> reader;

  ReportMetric(String apiName, String type, int sketches, Function<MetricState, Number> reader) {
    this.apiName = apiName;
    this.type = type;
    this.sketches = sketches;
    this.reader = reader;
  }

  /** The distinct-count sketches this metric reads ({@link MetricState#USERS} etc.), 0 for sums. */
  public int sketches() {
    return sketches;
  }

  public String apiName() {
    return apiName;
  }

  /** GA4's MetricType name. */
  public String type() {
    return type;
  }

  public Number read(MetricState state) {
    return reader.apply(state);
  }

  public static Optional<ReportMetric> ofApiName(String name) {
    return Arrays.stream(values()).filter(m -> m.apiName.equals(name)).findFirst();
  }
}
