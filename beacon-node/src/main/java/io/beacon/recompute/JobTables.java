package io.beacon.recompute;

/**
 * The one owner of the correction jobs' tables besides the schema ({@code schema/cassandra.cql}): {@code
 * recompute_jobs} (a job by id), {@code recompute_queue} (the open ones) and {@code recompute_jobs_by_property} (a
 * property's, newest first). {@link Jobs} runs them for the recompute role; the bridge's purge of a deleted property
 * runs the {@code PURGE_*} ones. Values are bound in the order of the placeholders.
 */
public final class JobTables {
  static final String INSERT = "INSERT INTO recompute_jobs (job_id, property_id, time_zone, from_date, to_date, reason,"
      + " requested_by, status, days_total, days_done, hits_scanned, lease_version, not_before, cancel_requested,"
      + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, false, ?, ?) IF NOT EXISTS";
  static final String ENQUEUE = "INSERT INTO recompute_queue (shard, job_id) VALUES (0, ?)";
  static final String INSERT_BY_PROPERTY = "INSERT INTO recompute_jobs_by_property (property_id, created_at, job_id)"
      + " VALUES (?, ?, ?)";
  static final String SELECT = "SELECT " + Job.COLUMNS + " FROM recompute_jobs WHERE job_id = ?";
  static final String SELECT_BY_PROPERTY = "SELECT job_id FROM recompute_jobs_by_property WHERE property_id = ?"
      + " LIMIT ?";
  static final String SELECT_QUEUE = "SELECT job_id FROM recompute_queue WHERE shard = 0";
  static final String CLAIM = "UPDATE recompute_jobs SET owner = ?, lease_version = ?, lease_until = ?, status = ?,"
      + " started_at = ?, updated_at = ? WHERE job_id = ? IF lease_version = ?";
  static final String PROGRESS = "UPDATE recompute_jobs SET days_done = ?, hits_scanned = ?, lease_until = ?,"
      + " updated_at = ? WHERE job_id = ? IF lease_version = ? AND cancel_requested = false";
  static final String FINISH = "UPDATE recompute_jobs SET status = ?, error = ?, finished_at = ?, updated_at = ?,"
      + " lease_until = null WHERE job_id = ? IF lease_version = ?";
  static final String DEQUEUE = "DELETE FROM recompute_queue WHERE shard = 0 AND job_id = ?";
  static final String REQUEST_CANCEL = "UPDATE recompute_jobs SET cancel_requested = true WHERE job_id = ? IF EXISTS";
  static final String CANCEL_IF_STATUS = "UPDATE recompute_jobs SET status = ?, finished_at = ? WHERE job_id = ?"
      + " IF status = ?";

  /** Every job id of a property ({@code property_id = ?}): the purge of a deleted property. */
  public static final String PURGE_SELECT_IDS = "SELECT job_id FROM recompute_jobs_by_property WHERE property_id = ?";
  /** One job, by id: the purge. */
  public static final String PURGE_JOB = "DELETE FROM recompute_jobs WHERE job_id = ?";
  /** One job's place in the queue, by id: the purge (a job of a purged property has nothing left to rebuild). */
  public static final String PURGE_QUEUED = DEQUEUE;
  /** A property's job list ({@code property_id = ?}): the purge, once each job's rows are gone. */
  public static final String PURGE_BY_PROPERTY = "DELETE FROM recompute_jobs_by_property WHERE property_id = ?";

  private JobTables() {}
}
