package io.beacon.recompute;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.contract.JobStatus;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.ResultSet;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The correction jobs in Cassandra ({@code recompute_jobs}, the open ones also in {@code recompute_queue}).
 * Runners fence each other with lightweight transactions on {@code lease_version}. Prepared statements only,
 * every call with a timeout.
 */
final class Jobs {
  private final CassandraClient cassandra;
  private final Duration timeout;
  private final Map<String, Future<PreparedStatement>> prepared = new ConcurrentHashMap<>();

  Jobs(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  /** Inserts a new queued job (no-op if the id exists: replays of a dirty-bucket message are idempotent). */
  Future<Job> create(String id, String propertyId, ZoneId zone, LocalDate from, LocalDate to, String reason,
                     String requestedBy, Instant notBefore) {
    Instant now = Instant.now();
    int days = (int) ChronoUnit.DAYS.between(from, to) + 1;
    return exec(JobTables.INSERT,
        id, propertyId, zone.getId(), from, to, reason, requestedBy, JobStatus.QUEUED.wire(), days, notBefore, now, now)
        .compose(rs -> exec(JobTables.ENQUEUE, id))
        .compose(rs -> exec(JobTables.INSERT_BY_PROPERTY, propertyId, now, id))
        .compose(rs -> get(id))
        .map(Optional::orElseThrow);
  }

  Future<Optional<Job>> get(String id) {
    return exec(JobTables.SELECT, id)
        .map(rs -> Optional.ofNullable(rs.one()).map(Job::of));
  }

  /** The newest jobs of a property, at most {@code limit}. */
  Future<List<Job>> ofProperty(String propertyId, int limit) {
    return rows(JobTables.SELECT_BY_PROPERTY, propertyId, limit)
        .compose(ids -> all(ids.stream().map(r -> r.getString(0)).toList()));
  }

  /** Every job not finished yet. */
  Future<List<Job>> open() {
    return rows(JobTables.SELECT_QUEUE)
        .compose(ids -> all(ids.stream().map(r -> r.getString(0)).toList()));
  }

  private Future<List<Job>> all(List<String> ids) {
    List<Future<Optional<Job>>> gets = ids.stream().map(this::get).toList();
    return Future.all(gets).map(cf -> {
      List<Job> out = new ArrayList<>();
      for (int i = 0; i < cf.size(); i++) {
        cf.<Optional<Job>>resultAt(i).ifPresent(out::add);
      }
      return out;
    });
  }

  /** Takes the job over from {@code seen}'s lease; true if this runner now holds lease {@code seen + 1}. */
  Future<Boolean> claim(Job seen, String owner, Instant leaseUntil) {
    Instant now = Instant.now();
    return exec(JobTables.CLAIM,
        owner, seen.leaseVersion() + 1, leaseUntil, JobStatus.RUNNING.wire(), seen.startedAt() == null ? now : seen.startedAt(), now, seen.id(),
        seen.leaseVersion())
        .map(ResultSet::wasApplied);
  }

  /** Outcome of a fenced write: applied, or why not. */
  enum Fence { APPLIED, CANCELLED, LOST }

  /** Records progress and renews the lease, if {@code lease} is still current and no one asked to cancel. */
  Future<Fence> progress(String id, int lease, int daysDone, long hitsScanned, Instant leaseUntil) {
    return exec(JobTables.PROGRESS,
        daysDone, hitsScanned, leaseUntil, Instant.now(), id, lease)
        .map(rs -> {
          if (rs.wasApplied()) {
            return Fence.APPLIED;
          }
          Row current = rs.one();
          boolean sameLease = current != null && !current.isNull("lease_version")
              && current.getInt("lease_version") == lease;
          return sameLease ? Fence.CANCELLED : Fence.LOST;
        });
  }

  /** Ends the job with {@code status} (and the error, if failed), if {@code lease} is still current. */
  Future<Boolean> finish(String id, int lease, JobStatus status, String error) {
    Instant now = Instant.now();
    return exec(JobTables.FINISH, status.wire(), error, now, now, id, lease)
        .compose(rs -> rs.wasApplied()
            ? exec(JobTables.DEQUEUE, id).map(true)
            : Future.succeededFuture(false));
  }

  /** Asks a job to stop; a queued one is cancelled at once, a running one by its runner at its next step. */
  Future<Optional<Job>> cancel(String id) {
    return exec(JobTables.REQUEST_CANCEL, id)
        .compose(rs -> exec(JobTables.CANCEL_IF_STATUS,
            JobStatus.CANCELLED.wire(), Instant.now(), id, JobStatus.QUEUED.wire()))
        .compose(rs -> rs.wasApplied()
            ? exec(JobTables.DEQUEUE, id).mapEmpty()
            : Future.succeededFuture())
        .compose(v -> get(id));
  }

  private Future<ResultSet> exec(String cql, Object... values) {
    return prepare(cql).compose(ps -> cassandra.execute(ps.bind(values)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Future<List<Row>> rows(String cql, Object... values) {
    return prepare(cql).compose(ps -> cassandra.executeWithFullFetch(ps.bind(values)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Future<PreparedStatement> prepare(String cql) {
    return prepared.compute(cql, (k, f) -> f == null || f.failed() ? cassandra.prepare(k) : f);
  }
}
