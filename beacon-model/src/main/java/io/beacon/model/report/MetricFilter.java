package io.beacon.model.report;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A GA4 {@code metricFilter}: a {@code FilterExpression} over a row's metric values, applied after the rows are
 * aggregated (like SQL's HAVING). Its leaves are {@code numericFilter} and {@code betweenFilter} on a metric, which
 * need not be one of the request's metrics; a string, in-list or empty filter, or a dimension, is refused.
 */
public sealed interface MetricFilter {
  /** Whether a row whose metric values {@code values} gives passes. */
  boolean matches(Function<ReportMetric, Number> values);

  /** The metrics this filter reads. */
  Set<ReportMetric> metrics();

  record Leaf(ReportMetric metric, Predicate<BigDecimal> test) implements MetricFilter {
    public boolean matches(Function<ReportMetric, Number> values) {
      BigDecimal v = NumericCondition.of(values.apply(metric));
      return v != null && test.test(v);
    }

    public Set<ReportMetric> metrics() {
      return EnumSet.of(metric);
    }
  }

  record Group(boolean and, List<MetricFilter> parts) implements MetricFilter {
    public boolean matches(Function<ReportMetric, Number> values) {
      return and ? parts.stream().allMatch(p -> p.matches(values)) : parts.stream().anyMatch(p -> p.matches(values));
    }

    public Set<ReportMetric> metrics() {
      Set<ReportMetric> s = EnumSet.noneOf(ReportMetric.class);
      parts.forEach(p -> s.addAll(p.metrics()));
      return s;
    }
  }

  record Not(MetricFilter inner) implements MetricFilter {
    public boolean matches(Function<ReportMetric, Number> values) {
      return !inner.matches(values);
    }

    public Set<ReportMetric> metrics() {
      return inner.metrics();
    }
  }

  static MetricFilter parse(Object node, String path) {
    return FilterTrees.parse(node, path, 0, new FilterTrees.Builder<MetricFilter>() {
      public MetricFilter leaf(Map<?, ?> f, String at) {
        String kind = FilterTrees.kindOf(f, at);
        String field = FilterTrees.fieldName(f, at);
        ReportMetric metric = ReportMetric.ofApiName(field).orElseThrow(() -> InvalidRequestException.of(
            at + ".fieldName", "'" + field + "' is not a metric (a metricFilter reads metrics only: filter dimensions"
                + " in dimensionFilter; see the metadata endpoint)"));
        if (!(f.get(kind) instanceof Map<?, ?> raw)) {
          throw InvalidRequestException.of(at + "." + kind, "must be an object");
        }
        Map<?, ?> spec = FilterTrees.withoutNulls(raw);
        return switch (kind) {
          case "numericFilter" -> new Leaf(metric, NumericCondition.numeric(spec, at + ".numericFilter"));
          case "betweenFilter" -> new Leaf(metric, NumericCondition.between(spec, at + ".betweenFilter"));
          default -> throw InvalidRequestException.of(at + "." + kind, "a metric is filtered with numericFilter or"
              + " betweenFilter");
        };
      }

      public MetricFilter group(boolean and, List<MetricFilter> parts) {
        return new Group(and, parts);
      }

      public MetricFilter not(MetricFilter inner) {
        return new Not(inner);
      }
    });
  }
}
