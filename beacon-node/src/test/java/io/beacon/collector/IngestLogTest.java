package io.beacon.collector;

import static io.beacon.collector.IngestHarness.CHROME;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.QueryStrings;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Finding "raw emails and request ids reach the log (log forging)" (Hardening, Accounts), on the collector's side: a
 * hit's request id is the sender's text, and a failed hit's log line carries it escaped, so a line break in it cannot
 * start a forged log line.
 */
class IngestLogTest {
  @Test
  void aFailedHitsRequestIdIsEscapedInTheLogSoItCannotForgeLines() throws Exception {
    PropertyInfo shop = new PropertyInfo("B-SHOP", "s3cret", Set.of(), Set.of(), false, false);
    Logger logger = (Logger) LoggerFactory.getLogger(Ingest.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try (IngestHarness harness = new IngestHarness(shop)) {
      String query = "v=2&tid=B-SHOP&cid=1.1&en=page_view&dl=https%3A%2F%2Fshop.example%2F"
          + "&_rid=r1%0A2026-01-01%2000%3A00%3A00%20ERROR%20forged%20line";
      // Past the checks, the harness has no de-dup store: the hand-off fails and is logged with the hit's id.
      Ingest.Outcome out = harness.handle(Ga4WebParser.parse(QueryStrings.parse(query), query, ""),
          new Ingest.Request(null, IngestHarness.browser("81.2.69.142", CHROME), null, false, false));
      assertThat(out.accepted).isZero();
    } finally {
      logger.detachAppender(seen);
    }
    assertThat(seen.list).isNotEmpty();
    for (ILoggingEvent e : seen.list) {
      assertThat(e.getFormattedMessage()).doesNotContain("\n", "\r").contains("r1U+000A2026");
    }
  }
}
