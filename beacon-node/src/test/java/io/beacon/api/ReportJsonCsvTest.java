package io.beacon.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A report's JSON answer (a funnel's funnelTable, a cohort report) as the CSV the dashboard downloads. */
class ReportJsonCsvTest {
  @Test
  void headersThenRowsQuotedAndFormulaCellsDefused() {
    JsonObject table = new JsonObject("""
        {"dimensionHeaders":[{"name":"funnelStepName"},{"name":"country"}],
         "metricHeaders":[{"name":"activeUsers","type":"TYPE_INTEGER"},{"name":"funnelStepCompletionRate","type":"TYPE_FLOAT"}],
         "rows":[{"dimensionValues":[{"value":"1. =HYPERLINK(\\"x\\")"},{"value":"RESERVED_TOTAL"}],
                  "metricValues":[{"value":"12"},{"value":"-0.5"}]}]}""");
    assertThat(ReportJson.toCsv(table)).isEqualTo(
        "\"funnelStepName\",\"country\",\"activeUsers\",\"funnelStepCompletionRate\"\r\n"
            + "\"1. =HYPERLINK(\"\"x\"\")\",\"RESERVED_TOTAL\",\"12\",\"-0.5\"\r\n");
    JsonObject formula = new JsonObject("""
        {"dimensionHeaders":[{"name":"cohort"}],"metricHeaders":[],"rows":[{"dimensionValues":[{"value":"=1+1"}]}]}""");
    assertThat(ReportJson.toCsv(formula)).endsWith("\"'=1+1\"\r\n");
  }
}
