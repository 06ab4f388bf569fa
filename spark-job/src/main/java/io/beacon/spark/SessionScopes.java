package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Lateness;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.ClientState;
import io.beacon.model.session.Scope;
import io.beacon.model.session.SessionRules;
import io.beacon.store.cassandra.FirstVisitsTable;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.sql.streaming.GroupStateTimeout;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The stream's session state (docs/analytics-model.md, "Sessions in the stream"): one {@link ClientState} per
 * (property, client) in Spark's checkpointed state store, via {@code flatMapGroupsWithState} with a processing-time
 * timeout. A client's events are held until none arrived for {@code --session-settle}; then its sessions are
 * counted with their whole-session scope, as recompute counts them from raw hits. Later events of a counted
 * session count at once with its scope, or, when they change it, hand the affected days to recompute (dirty
 * days). The state is versioned with the micro-batches and the clock is the batch's (from the offset log), so a
 * replayed batch emits the same rows: the fenced sink relies on it.
 *
 * <p>Output rows ({@link #SCHEMA}), by {@value #KIND}: {@code count} (a hit and its scope), {@code dirty} (a
 * property and an event time whose local day recompute must rebuild), {@code first} (a client's first visit,
 * for the {@code first_visits} table) and {@code bad} (a record that is not a hit, passed through for the dead
 * letters).
 */
final class SessionScopes {
  static final String KIND = "kind";
  static final String COUNT = "count";
  static final String DIRTY = "dirty";
  static final String FIRST = "first";
  static final String BAD = "bad";

  /** The scope of a counted hit (the fields of {@link Scope}). */
  static final StructType SCOPE = DataTypes.createStructType(new StructField[] {
      field("session_id", DataTypes.StringType), field("engaged", DataTypes.BooleanType),
      field("source", DataTypes.StringType), field("medium", DataTypes.StringType),
      field("campaign", DataTypes.StringType), field("term", DataTypes.StringType),
      field("content", DataTypes.StringType), field("landing_page", DataTypes.StringType),
      field("new_user", DataTypes.BooleanType), field("first_visit_session", DataTypes.BooleanType),
      field("first_user_source", DataTypes.StringType), field("first_user_medium", DataTypes.StringType),
      field("first_user_campaign", DataTypes.StringType)});

  /** The output rows. */
  static final StructType SCHEMA = DataTypes.createStructType(new StructField[] {
      field(KIND, DataTypes.StringType), field(HitDecoder.HIT, HitRow.SCHEMA), field("scope", SCOPE),
      field("property_id", DataTypes.StringType), field("client_id", DataTypes.StringType),
      field("event_ts", DataTypes.LongType), field("first_source", DataTypes.StringType),
      field("first_medium", DataTypes.StringType), field("first_campaign", DataTypes.StringType),
      field(HitDecoder.ERROR, DataTypes.StringType), field(HitDecoder.VALUE, DataTypes.BinaryType),
      field("partition", DataTypes.IntegerType), field("offset", DataTypes.LongType),
      field("first_request_id", DataTypes.StringType)});

  /** Group keys of records that are not hits: never a property/client key (those hold no control character). */
  private static final String BAD_KEY = "\u0001";

  private SessionScopes() {
  }

  private static StructField field(String name, org.apache.spark.sql.types.DataType type) {
    return DataTypes.createStructField(name, type, true);
  }

  /**
   * {@code deduplicated}'s hits grouped by client through the session state.
   *
   * @param deduplicated {@link HitDecoder}'s columns after {@link Dedup}
   */
  static Dataset<org.apache.spark.sql.Row> apply(Dataset<org.apache.spark.sql.Row> deduplicated, JobConfig config) {
    Fn fn = new Fn(config);
    // All columns pass on: projecting the de-duplication's time column away lets the optimizer prune it below the
    // de-duplication, which then has no event-time column (seen: None.get in StreamingDeduplicateWithinWatermarkExec).
    return deduplicated
        .groupByKey((MapFunction<org.apache.spark.sql.Row, String>) SessionScopes::key, Encoders.STRING())
        .flatMapGroupsWithState(fn, OutputMode.Append(), Encoders.BINARY(), Encoders.row(SCHEMA),
            GroupStateTimeout.ProcessingTimeTimeout());
  }

  /** The group of a row: its hit's property and client; a record that is not a hit: its own group. */
  static String key(org.apache.spark.sql.Row r) {
    org.apache.spark.sql.Row hit = r.getAs(HitDecoder.HIT);
    if (hit == null) {
      return BAD_KEY + r.<Integer>getAs("partition") + "@" + r.<Long>getAs("offset");
    }
    return hit.getAs("propertyId") + "\u0000" + hit.getAs("clientId");
  }

  /** The state function; serializable with its settings only. */
  static final class Fn implements FlatMapGroupsWithStateFunction<String, org.apache.spark.sql.Row, byte[],
      org.apache.spark.sql.Row>, Serializable {
    private static final long serialVersionUID = 1L;
    private final JobConfig config;
    private final long settleMs;
    private final long retentionMs;
    private final long memoryMs;
    private final long maxLatenessMs;

    Fn(JobConfig config) {
      this.config = config;
      this.settleMs = config.sessionSettle.toMillis();
      this.retentionMs = config.sessionRetention.toMillis();
      this.memoryMs = config.clientMemory.toMillis();
      this.maxLatenessMs = config.maxLateness.toMillis();
    }

    @Override
    public Iterator<org.apache.spark.sql.Row> call(String key, Iterator<org.apache.spark.sql.Row> rows,
        GroupState<byte[]> state) {
      List<org.apache.spark.sql.Row> out = new ArrayList<>();
      if (key.startsWith(BAD_KEY)) {
        rows.forEachRemaining(r -> out.add(RowFactory.create(BAD, null, null, null, null, null, null, null, null,
            r.getAs(HitDecoder.ERROR), r.getAs(HitDecoder.VALUE), r.getAs("partition"), r.getAs("offset"), null)));
        return out.iterator();
      }
      // The batch's timestamp (offset log): a replay sees the same clock.
      long now = state.getCurrentProcessingTimeMs();
      ClientState client = state.exists() ? ClientState.fromBytes(state.get()) : null;
      ClientHistory prior = client == null ? ClientHistory.NONE : client.history();
      List<ClientState.Output> outputs = new ArrayList<>();
      // The property's session settings travel with its hits (stamped by the collector), so a replayed batch
      // decides by the same rules as the first run, whatever the settings are now.
      SessionRules rules = SessionRules.GA4;
      if (state.hasTimedOut()) {
        rules = client.openRules(SessionRules.GA4);
        outputs.addAll(client.settle(now, settleMs, rules));
      } else {
        List<Hit> hits = new ArrayList<>();
        rows.forEachRemaining(r -> {
          Hit h = HitRow.toHit(r.getAs(HitDecoder.HIT));
          if (!Boolean.TRUE.equals(h.isBot())) {
            hits.add(h);
          } else if (Lateness.isTooLate(h, config.maxLateness)) {
            out.add(dirtyRow(h.propertyId(), h.ts()));
          } else {
            out.add(countRow(h, null)); // bots have no session: they count only as bot hits, at once
          }
        });
        if (hits.isEmpty() && client == null) {
          return out.iterator(); // only bots: no state
        }
        if (client == null) {
          client = new ClientState(knownFirstVisit(hits));
        }
        rules = client.rulesFor(hits, SessionRules.GA4);
        outputs.addAll(client.add(hits, now, rules, maxLatenessMs));
        outputs.addAll(client.settle(now, settleMs, rules));
      }
      for (ClientState.Output o : outputs) {
        if (o instanceof ClientState.Count c) {
          out.add(countRow(c.hit(), c.scope()));
        } else if (o instanceof ClientState.Dirty d) {
          out.add(dirtyRow(d.propertyId(), d.eventTs()));
        }
      }
      ClientHistory first = client.history();
      if (first.known() && !first.equals(prior)) {
        // A first visit seen (or moved earlier): record it. The table keeps the earliest, so a replay rewrites the
        // same, and knownFirstVisit ignores it for these very events.
        int sep = key.indexOf('\u0000');
        out.add(RowFactory.create(FIRST, null, null, key.substring(0, sep), key.substring(sep + 1), first.firstTs(),
            first.firstSource(), first.firstMedium(), first.firstCampaign(), null, null, null, null, first.firstRid()));
      }
      client.expire(now, retentionMs);
      if (client.forgettable(now, memoryMs)) {
        state.remove();
      } else {
        state.update(client.toBytes());
        long next = client.nextTimeoutMs(settleMs, retentionMs, memoryMs, client.openRules(rules));
        state.setTimeoutDuration(Math.max(1, next - now));
      }
      return out.iterator();
    }

    /**
     * The client's first visit from the {@code first_visits} table, for a client the state does not hold (new,
     * or forgotten after {@code --client-memory}, or from before this job's checkpoint). Only a first visit
     * earlier than every event at hand counts as history: one at or after them was recorded from these very
     * events (a replayed batch after a crash), which must decide as they did the first time.
     */
    private ClientHistory knownFirstVisit(List<Hit> hits) {
      long earliest = Long.MAX_VALUE;
      for (Hit h : hits) {
        earliest = Math.min(earliest, h.ts());
      }
      Hit any = hits.get(0);
      // Retried like the sink's writes (a Cassandra restart), then the batch fails and is replayed.
      Row row = dev.failsafe.Failsafe.with(dev.failsafe.RetryPolicy.builder().handle(RuntimeException.class)
              .withBackoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5))
              .withMaxDuration(config.writeRetryTimeout).withMaxRetries(-1).build())
          .get(() -> {
            CqlSession session = Clients.cassandra(config);
            return session.execute(session.prepare(FirstVisitsTable.select(config.keyspace))
                .bind(any.propertyId(), any.clientId())).one();
          });
      ClientHistory h = row == null ? ClientHistory.NONE : FirstVisitsTable.from(row);
      return h.known() && h.firstTs() < earliest ? h : ClientHistory.NONE;
    }
  }

  static org.apache.spark.sql.Row countRow(Hit hit, Scope s) {
    return RowFactory.create(COUNT, HitRow.toEncoderRow(hit), s == null ? null : RowFactory.create(s.sessionId(),
        s.engaged(), s.source(), s.medium(), s.campaign(), s.term(), s.content(), s.landingPage(), s.newUser(),
        s.firstVisitSession(), s.firstUserSource(), s.firstUserMedium(), s.firstUserCampaign()), null, null, null,
        null, null, null, null, null, null, null, null);
  }

  static org.apache.spark.sql.Row dirtyRow(String propertyId, long eventTs) {
    return RowFactory.create(DIRTY, null, null, propertyId, null, eventTs, null, null, null, null, null, null, null,
        null);
  }

  /** The scope of a {@code count} row's scope struct. */
  static Scope scope(org.apache.spark.sql.Row s) {
    return new Scope(s.getString(0), s.getBoolean(1), s.getString(2), s.getString(3), s.getString(4),
        s.getString(5), s.getString(6), s.getString(7), s.getBoolean(8), s.getBoolean(9), s.getString(10),
        s.getString(11), s.getString(12));
  }

}
