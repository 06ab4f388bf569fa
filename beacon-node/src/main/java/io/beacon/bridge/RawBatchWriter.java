package io.beacon.bridge;

import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.reactive.InfluxDBClientReactive;
import com.influxdb.client.reactive.InfluxDBClientReactiveFactory;
import com.influxdb.client.reactive.WriteOptionsReactive;
import com.influxdb.client.reactive.WriteReactiveApi;
import com.influxdb.exceptions.InfluxException;
import io.reactivex.rxjava3.core.Flowable;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * Synchronous write of line-protocol lines to QuestDB's {@code /api/v2/write} with the influx client,
 * as ONE HTTP request (so QuestDB commits all lines or none). Blocking: call it only from a thread
 * that may block (the raw consumer's own thread), never from an event loop.
 *
 * <p>Classifies failures: 400/413/422 mean QuestDB refused the content ({@link WriteRejectedException},
 * split and dead-letter); anything else (connection refused, timeout, 5xx) is transient
 * ({@link StoreUnavailableException}, retry the same batch).
 */
public final class RawBatchWriter implements AutoCloseable {
  private final InfluxDBClientReactive client;
  private final WriteReactiveApi api;

  public RawBatchWriter(String httpUrl, Duration timeout) {
    this(httpUrl, null, null, timeout);
  }

  /**
   * With {@code user} set, every request carries HTTP basic authentication (QuestDB's {@code http.user} and {@code
   * http.password}): a network interceptor, so it replaces the InfluxDB client's own "Token" header, which
   * QuestDB ignores when it has no HTTP credentials and refuses when it has.
   */
  public RawBatchWriter(String httpUrl, String user, String password, Duration timeout) {
    OkHttpClient.Builder http = new OkHttpClient.Builder()
        .connectTimeout(Duration.ofMillis(Math.min(timeout.toMillis(), 5_000)))
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .retryOnConnectionFailure(false);
    if (user != null && !user.isEmpty()) {
      String basic = okhttp3.Credentials.basic(user, password == null ? "" : password,
          java.nio.charset.StandardCharsets.UTF_8);
      http.addNetworkInterceptor(chain -> chain.proceed(chain.request().newBuilder()
          .header("Authorization", basic).build()));
    }
    client = InfluxDBClientReactiveFactory.create(InfluxDBClientOptions.builder()
        .url(httpUrl)
        // QuestDB ignores token, org and bucket; the client insists on them.
        .authenticateToken("unused".toCharArray())
        .org("beacon")
        .bucket("beacon")
        .okHttpClient(http)
        .build());
    // The caller owns retries (pause, backoff, never skip): the client's own hidden retries would
    // hold the consumer thread for minutes and hide the outage from the bridge's metrics.
    api = client.getWriteReactiveApi(WriteOptionsReactive.builder().maxRetries(0).batchSize(1).build());
  }

  /** Writes every line or throws; a returned call means QuestDB committed them to its WAL (HTTP 204). */
  public void write(List<String> lines) {
    if (!lines.isEmpty()) {
      write(String.join("\n", lines));
    }
  }

  /** Writes a request body of lines separated by newlines, as one request; see {@link #write(List)}. */
  public void write(String body) {
    try {
      Flowable.fromPublisher(api.writeRecord(WritePrecision.US, body))
          .ignoreElements()
          .blockingAwait();
    } catch (InfluxException e) {
      int status = e.status();
      if (status == 400 || status == 413 || status == 422) {
        throw new WriteRejectedException("QuestDB rejected the write (" + status + "): " + e.getMessage(), e);
      }
      throw new StoreUnavailableException("QuestDB write failed (" + status + "): " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new StoreUnavailableException("QuestDB write failed: " + e, e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
