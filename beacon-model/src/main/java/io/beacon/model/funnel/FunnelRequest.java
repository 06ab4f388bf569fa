package io.beacon.model.funnel;

import io.beacon.model.aggregation.Dimension;
import io.beacon.model.report.CustomDimension;
import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.DimensionFilter;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.report.ProtoJson;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated {@code runFunnelReport} request in the shape of the GA4 Data API v1alpha's
 * {@code RunFunnelReportRequest}, parsed from plain Java values (objects as {@link Map}s, arrays as {@link List}s).
 * Every field of Google's message is implemented or refused with an {@link InvalidRequestException} naming it.
 * Refused in this version: more than one date range, {@code segments}, {@code funnelNextAction},
 * {@code TRENDED_FUNNEL}, {@code dimensionFilter}, item parameters, and {@code returnPropertyQuota: true}.
 * Beacon's own fields ({@code funnel.withinSession}, {@code funnel.withinDays}) are documented in
 * docs/analytics-model.md, "Funnels".
 *
 * @param breakdown      the breakdown dimension's name, or null
 * @param breakdownLimit how many breakdown values the answer lists (GA4: 1 to 15, default 5)
 * @param limit          at most this many rows in the funnel table
 */
public record FunnelRequest(DateRangeSpec dateRange, Funnel funnel, String breakdown, int breakdownLimit, int limit,
                            int abandonedAtStep) {
  /** GA4's fields, and Beacon's {@value #ABANDONED} (the users who left after a step, for the user explorer). */
  public static final Set<String> FIELDS = Set.of("property", "dateRanges", "funnel", "funnelBreakdown",
      "funnelNextAction", "funnelVisualizationType", "segments", "limit", "dimensionFilter", "returnPropertyQuota",
      FunnelRequest.ABANDONED);
  /** Beacon's field: a step number (1-based, not the last); the answer lists the users who abandoned after it. */
  public static final String ABANDONED = "abandonedUsersAtStep";
  /** GA4's default and largest {@code funnelBreakdown.limit}. */
  public static final int DEFAULT_BREAKDOWN_LIMIT = 5;
  public static final int MAX_BREAKDOWN_LIMIT = 15;
  public static final int DEFAULT_LIMIT = 10_000;
  /**
   * Dimensions a step condition or the breakdown cannot read from the range's hits alone: they depend on the
   * person's first visit ever, which a funnel's read of one range does not know.
   */
  static final Set<String> NEEDS_HISTORY = Set.of("newVsReturning", "firstUserSource", "firstUserMedium",
      "firstUserCampaignName");
  /** A proto {@code Duration} in JSON: seconds with up to 9 fractional digits and an {@code s}. */
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(?:\\.(\\d{1,9}))?s");

  public static FunnelRequest parse(Map<String, ?> body, ZoneId zone, LocalDate today, int maxDays) {
    if (body == null) {
      throw InvalidRequestException.of("body", "must be a JSON object");
    }
    ProtoJson.only(body, "", FIELDS);
    if (body.get("segments") instanceof List<?> s && !s.isEmpty() || body.get("segments") instanceof Map<?, ?>) {
      throw InvalidRequestException.of("segments", "funnel segments are not supported by Beacon yet");
    }
    if (body.get("funnelNextAction") != null) {
      throw InvalidRequestException.of("funnelNextAction", "next actions are not supported by Beacon yet");
    }
    if (body.get("dimensionFilter") != null) {
      throw InvalidRequestException.of("dimensionFilter", "a funnel's dimensionFilter is not supported by Beacon"
          + " yet (put the condition into the steps' filterExpression)");
    }
    if (ProtoJson.bool(body, "returnPropertyQuota", "")) {
      throw InvalidRequestException.of("returnPropertyQuota", "Beacon keeps no per-property token quotas to report;"
          + " send false or leave it out");
    }
    String viz = ProtoJson.enumName(body.get("funnelVisualizationType"), "funnelVisualizationType",
        "FUNNEL_VISUALIZATION_TYPE_UNSPECIFIED", "STANDARD_FUNNEL", "TRENDED_FUNNEL");
    if ("TRENDED_FUNNEL".equals(viz)) {
      throw InvalidRequestException.of("funnelVisualizationType", "TRENDED_FUNNEL is not supported by Beacon yet"
          + " (STANDARD_FUNNEL is)");
    }

    Object dr = body.get("dateRanges");
    if (!(dr instanceof List<?> ranges) || ranges.isEmpty()) {
      throw InvalidRequestException.of("dateRanges", "must list one date range");
    }
    if (ranges.size() > 1) {
      throw InvalidRequestException.of("dateRanges", "Beacon's funnels take one date range (comparing ranges is"
          + " not supported yet), has " + ranges.size());
    }
    if (!(ranges.get(0) instanceof Map<?, ?> r)) {
      throw InvalidRequestException.of("dateRanges[0]", "must be an object {startDate, endDate}");
    }
    ProtoJson.only(r, "dateRanges[0]", Set.of("startDate", "endDate", "name"));
    String name = ProtoJson.string(r, "name", "dateRanges[0]");
    DateRangeSpec range = DateRangeSpec.resolve(name.isEmpty() ? "date_range_0" : name,
        ProtoJson.string(r, "startDate", "dateRanges[0]"), ProtoJson.string(r, "endDate", "dateRanges[0]"), zone,
        today, "dateRanges[0]", maxDays);

    Funnel funnel = funnel(ProtoJson.message(body, "funnel", ""));

    String breakdown = null;
    int breakdownLimit = DEFAULT_BREAKDOWN_LIMIT;
    Map<?, ?> fb = ProtoJson.message(body, "funnelBreakdown", "");
    if (fb != null) {
      ProtoJson.only(fb, "funnelBreakdown", Set.of("breakdownDimension", "limit"));
      Map<?, ?> dim = ProtoJson.message(fb, "breakdownDimension", "funnelBreakdown");
      if (dim == null) {
        throw InvalidRequestException.of("funnelBreakdown.breakdownDimension", "is required");
      }
      ProtoJson.only(dim, "funnelBreakdown.breakdownDimension", Set.of("name", "dimensionExpression"));
      if (dim.get("dimensionExpression") != null) {
        throw InvalidRequestException.of("funnelBreakdown.breakdownDimension.dimensionExpression",
            "dimension expressions are not supported by Beacon");
      }
      breakdown = ProtoJson.string(dim, "name", "funnelBreakdown.breakdownDimension");
      checkField(breakdown, "funnelBreakdown.breakdownDimension.name");
      long l = ProtoJson.int64(fb, "limit", "funnelBreakdown", DEFAULT_BREAKDOWN_LIMIT);
      if (l < 1 || l > MAX_BREAKDOWN_LIMIT) {
        throw InvalidRequestException.of("funnelBreakdown.limit", "must be 1 to " + MAX_BREAKDOWN_LIMIT + ", was " + l);
      }
      breakdownLimit = (int) l;
    }
    long limit = ProtoJson.int64(body, "limit", "", 0);
    if (limit < 0) {
      throw InvalidRequestException.of("limit", "must be positive, was " + limit);
    }
    long abandoned = ProtoJson.int64(body, ABANDONED, "", 0);
    if (abandoned < 0 || abandoned >= funnel.steps().size()) {
      throw InvalidRequestException.of(ABANDONED, "must be a step followed by another, 1 to "
          + (funnel.steps().size() - 1) + ", was " + abandoned);
    }
    return new FunnelRequest(range, funnel, breakdown, breakdownLimit,
        limit == 0 ? DEFAULT_LIMIT : (int) Math.min(limit, 250_000), (int) abandoned);
  }

  private static Funnel funnel(Map<?, ?> f) {
    if (f == null) {
      throw InvalidRequestException.of("funnel", "is required: {isOpenFunnel, steps}");
    }
    ProtoJson.only(f, "funnel", Set.of("isOpenFunnel", "steps", "withinSession", "withinDays"));
    boolean open = ProtoJson.bool(f, "isOpenFunnel", "funnel");
    boolean session = ProtoJson.bool(f, "withinSession", "funnel");
    long days = ProtoJson.int64(f, "withinDays", "funnel", 0);
    if (days < 0 || days > Funnel.MAX_WITHIN_DAYS) {
      throw InvalidRequestException.of("funnel.withinDays", "must be 1 to " + Funnel.MAX_WITHIN_DAYS + ", was " + days);
    }
    if (session && days > 0) {
      throw InvalidRequestException.of("funnel.withinDays", "set withinSession or withinDays, not both");
    }
    Object s = f.get("steps");
    if (!(s instanceof List<?> steps)) {
      throw InvalidRequestException.of("funnel.steps", "must be an array of " + Funnel.MIN_STEPS + " to "
          + Funnel.MAX_STEPS + " steps");
    }
    if (steps.size() < Funnel.MIN_STEPS || steps.size() > Funnel.MAX_STEPS) {
      throw InvalidRequestException.of("funnel.steps", "must have " + Funnel.MIN_STEPS + " to " + Funnel.MAX_STEPS
          + " steps, has " + steps.size());
    }
    List<FunnelStep> out = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      out.add(step(steps.get(i), "funnel.steps[" + i + "]", i));
    }
    return new Funnel(out, open, session ? Funnel.Scope.SESSION : days > 0 ? Funnel.Scope.DAYS : Funnel.Scope.RANGE,
        (int) days);
  }

  private static FunnelStep step(Object node, String at, int index) {
    if (!(node instanceof Map<?, ?> s)) {
      throw InvalidRequestException.of(at, "must be an object");
    }
    ProtoJson.only(s, at, Set.of("name", "isDirectlyFollowedBy", "withinDurationFromPriorStep", "filterExpression"));
    String name = ProtoJson.string(s, "name", at);
    boolean direct = ProtoJson.bool(s, "isDirectlyFollowedBy", at);
    String within = ProtoJson.string(s, "withinDurationFromPriorStep", at);
    if (index == 0 && (direct || !within.isEmpty())) {
      throw InvalidRequestException.of(at + (direct ? ".isDirectlyFollowedBy" : ".withinDurationFromPriorStep"),
          "the first step has no prior step");
    }
    long withinMs = within.isEmpty() ? -1 : duration(within, at + ".withinDurationFromPriorStep");
    if (s.get("filterExpression") == null) {
      throw InvalidRequestException.of(at + ".filterExpression", "is required");
    }
    DimensionFilter condition = expression(s.get("filterExpression"), at + ".filterExpression", 0);
    return new FunnelStep(name.isEmpty() ? "Step " + (index + 1) : name, direct, withinMs, condition);
  }

  /** A proto Duration ({@code "300s"}, {@code "1.5s"}) in ms, at least 1 ms. */
  static long duration(String value, String at) {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw InvalidRequestException.of(at, "'" + value + "' is not a duration (seconds ending in s, e.g. \"300s\")");
    }
    String frac = m.group(2) == null ? "" : m.group(2);
    long ms = Long.parseLong(m.group(1)) * 1000 + (frac.isEmpty() ? 0 : Long.parseLong((frac + "00").substring(0, 3)));
    if (ms < 1) {
      throw InvalidRequestException.of(at, "must be at least 0.001s");
    }
    return ms;
  }

  /**
   * A {@code FunnelFilterExpression}: exactly one of {@code andGroup}, {@code orGroup} ({@code {expressions}}),
   * {@code notExpression}, {@code funnelFieldFilter} (a dimension's string, in-list, numeric or between filter, as
   * GA4's Filter) and {@code funnelEventFilter} ({@code eventName}, optional {@code funnelParameterFilterExpression}).
   */
  public static DimensionFilter expression(Object node, String at, int depth) {
    if (!(node instanceof Map<?, ?> e)) {
      throw InvalidRequestException.of(at, "must be an object");
    }
    if (depth > 10) {
      throw InvalidRequestException.of(at, "is nested too deeply (at most 10 levels)");
    }
    Map<?, ?> json = withoutNulls(e);
    ProtoJson.only(json, at, Set.of("andGroup", "orGroup", "notExpression", "funnelFieldFilter", "funnelEventFilter"));
    if (json.size() != 1) {
      throw InvalidRequestException.of(at, "must have exactly one of andGroup, orGroup, notExpression,"
          + " funnelFieldFilter, funnelEventFilter");
    }
    String kind = (String) json.keySet().iterator().next();
    Object body = json.get(kind);
    return switch (kind) {
      case "andGroup", "orGroup" -> new DimensionFilter.Group(kind.equals("andGroup"),
          group(body, at + "." + kind, (n, p) -> expression(n, p, depth + 1)));
      case "notExpression" -> new DimensionFilter.Not(expression(body, at + ".notExpression", depth + 1));
      case "funnelFieldFilter" -> {
        if (!(body instanceof Map<?, ?> ff)) {
          throw InvalidRequestException.of(at + ".funnelFieldFilter", "must be an object");
        }
        Object name = ff.get("fieldName");
        if (name instanceof String n) {
          checkField(n, at + ".funnelFieldFilter.fieldName");
        }
        yield leaf(ff, at + ".funnelFieldFilter", null);
      }
      case "funnelEventFilter" -> eventFilter(body, at + ".funnelEventFilter", depth);
      default -> throw new IllegalStateException(kind);
    };
  }

  private static DimensionFilter eventFilter(Object node, String at, int depth) {
    if (!(node instanceof Map<?, ?> ef)) {
      throw InvalidRequestException.of(at, "must be an object");
    }
    ProtoJson.only(ef, at, Set.of("eventName", "funnelParameterFilterExpression"));
    String event = ProtoJson.string(ef, "eventName", at);
    if (event.isEmpty()) {
      throw InvalidRequestException.of(at + ".eventName", "is required");
    }
    DimensionFilter byName = new DimensionFilter.Leaf("eventName", event::equals);
    if (ef.get("funnelParameterFilterExpression") == null) {
      return byName;
    }
    return new DimensionFilter.Group(true, List.of(byName,
        parameterExpression(ef.get("funnelParameterFilterExpression"), at + ".funnelParameterFilterExpression",
            depth + 1)));
  }

  /** A {@code FunnelParameterFilterExpression}: groups, not, or {@code funnelParameterFilter}. */
  private static DimensionFilter parameterExpression(Object node, String at, int depth) {
    if (!(node instanceof Map<?, ?> e)) {
      throw InvalidRequestException.of(at, "must be an object");
    }
    if (depth > 10) {
      throw InvalidRequestException.of(at, "is nested too deeply (at most 10 levels)");
    }
    Map<?, ?> json = withoutNulls(e);
    ProtoJson.only(json, at, Set.of("andGroup", "orGroup", "notExpression", "funnelParameterFilter"));
    if (json.size() != 1) {
      throw InvalidRequestException.of(at, "must have exactly one of andGroup, orGroup, notExpression,"
          + " funnelParameterFilter");
    }
    String kind = (String) json.keySet().iterator().next();
    Object body = json.get(kind);
    return switch (kind) {
      case "andGroup", "orGroup" -> new DimensionFilter.Group(kind.equals("andGroup"),
          group(body, at + "." + kind, (n, p) -> parameterExpression(n, p, depth + 1)));
      case "notExpression" -> new DimensionFilter.Not(parameterExpression(body, at + ".notExpression", depth + 1));
      case "funnelParameterFilter" -> {
        if (!(body instanceof Map<?, ?> pf)) {
          throw InvalidRequestException.of(at + ".funnelParameterFilter", "must be an object");
        }
        String p = at + ".funnelParameterFilter";
        if (pf.get("itemParameterName") != null) {
          throw InvalidRequestException.of(p + ".itemParameterName", "item parameters are not supported by Beacon");
        }
        Object param = pf.get("eventParameterName");
        if (!(param instanceof String name) || name.isBlank()) {
          throw InvalidRequestException.of(p + ".eventParameterName", "is required");
        }
        yield leaf(pf, p, "customEvent:" + name);
      }
      default -> throw new IllegalStateException(kind);
    };
  }

  private interface Parser {
    DimensionFilter parse(Object node, String at);
  }

  private static List<DimensionFilter> group(Object body, String at, Parser parser) {
    if (body instanceof Map<?, ?> g) {
      ProtoJson.only(g, at, Set.of("expressions"));
    }
    if (!(body instanceof Map<?, ?> g) || !(g.get("expressions") instanceof List<?> exprs) || exprs.isEmpty()) {
      throw InvalidRequestException.of(at + ".expressions", "must be a non-empty array");
    }
    List<DimensionFilter> parts = new ArrayList<>();
    for (int i = 0; i < exprs.size(); i++) {
      parts.add(parser.parse(exprs.get(i), at + ".expressions[" + i + "]"));
    }
    return parts;
  }

  /**
   * A field or parameter filter: its one string, in-list, numeric or between filter, parsed by the report model's
   * {@link DimensionFilter} (RE2/J regular expressions, GA4's match types), on {@code field} (null: its
   * {@code fieldName}).
   */
  private static DimensionFilter leaf(Map<?, ?> f, String at, String field) {
    Map<Object, Object> filter = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : withoutNulls(f).entrySet()) {
      Object k = e.getKey();
      if (k.equals("eventParameterName")) {
        continue;
      }
      if (k.equals("emptyFilter") || !Set.of("fieldName", "stringFilter", "inListFilter", "numericFilter",
          "betweenFilter").contains(k)) {
        throw InvalidRequestException.of(at + "." + k, "unknown field (this message has"
            + (field == null ? " fieldName," : " eventParameterName,") + " stringFilter, inListFilter, numericFilter,"
            + " betweenFilter)");
      }
      filter.put(k, e.getValue());
    }
    if (field != null) {
      filter.put("fieldName", field);
    }
    try {
      return DimensionFilter.parse(Map.of("filter", filter), at, 0);
    } catch (InvalidRequestException e) {
      // The shared parser names the GA4 Filter it was given (".filter"); name the funnel's message instead.
      String fixed = e.field().replace(at + ".filter", at);
      String message = e.getMessage().startsWith(e.field() + ": ") ? e.getMessage().substring(e.field().length() + 2)
          : e.getMessage();
      throw InvalidRequestException.of(fixed, message);
    }
  }

  /** A step condition or breakdown may read a Beacon dimension (not the first-visit ones) or an event parameter. */
  public static void checkField(String name, String at) {
    if (name == null || name.isEmpty()) {
      throw InvalidRequestException.of(at, "is required");
    }
    if (NEEDS_HISTORY.contains(name)) {
      throw InvalidRequestException.of(at, "'" + name + "' depends on the person's first visit, which funnels do not"
          + " read yet");
    }
    if (Dimension.ofApiName(name) == null && CustomDimension.of(name).isEmpty()) {
      throw InvalidRequestException.of(at, "unknown dimension '" + name + "' (see GET /v1beta/properties/{id}/metadata)");
    }
  }

  private static Map<?, ?> withoutNulls(Map<?, ?> m) {
    Map<Object, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v != null) {
        out.put(k, v);
      }
    });
    return out;
  }
}
