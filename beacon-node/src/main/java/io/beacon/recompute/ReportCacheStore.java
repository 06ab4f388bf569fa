package io.beacon.recompute;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.infra.clients.CassandraCacheStore;
import java.nio.ByteBuffer;
import java.time.Instant;
import javax.cache.Cache;

/**
 * Read-through and write-through of the ad-hoc report cache into Cassandra's {@code report_cache}: a report
 * put in the Ignite cache is in Cassandra when the put returns, and a report evicted from (or never in) Ignite
 * memory is loaded back from Cassandra. Rows expire with the report (TTL to {@code validUntil}).
 */
final class ReportCacheStore extends CassandraCacheStore<String, CachedReport> {
  private volatile PreparedStatement[] statements;

  ReportCacheStore() {
  }

  private PreparedStatement[] ps(CqlSession s) {
    if (statements == null) {
      statements = new PreparedStatement[] {
          s.prepare("SELECT property_id, report, hits_scanned, computed_at, valid_until FROM report_cache"
              + " WHERE report_key = ?"),
          s.prepare("INSERT INTO report_cache (report_key, property_id, report, hits_scanned, computed_at,"
              + " valid_until) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?"),
          s.prepare("DELETE FROM report_cache WHERE report_key = ?")};
    }
    return statements;
  }

  @Override
  public CachedReport load(String key) {
    CqlSession s = session();
    Row r = s.execute(ps(s)[0].bind(key)).one();
    if (r == null) {
      return null;
    }
    ByteBuffer b = r.getByteBuffer("report");
    byte[] bytes = new byte[b.remaining()];
    b.duplicate().get(bytes);
    return new CachedReport(r.getString("property_id"), bytes, r.getLong("hits_scanned"),
        r.getInstant("computed_at").toEpochMilli(), r.getInstant("valid_until").toEpochMilli());
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends CachedReport> e) {
    CqlSession s = session();
    CachedReport v = e.getValue();
    int ttl = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (v.validUntil - System.currentTimeMillis()) / 1000));
    s.execute(ps(s)[1].bind(e.getKey(), v.propertyId, ByteBuffer.wrap(v.report), v.hitsScanned,
        Instant.ofEpochMilli(v.computedAt), Instant.ofEpochMilli(v.validUntil), ttl));
  }

  @Override
  public void delete(Object key) {
    CqlSession s = session();
    s.execute(ps(s)[2].bind((String) key));
  }
}
