package io.beacon.infra.schema;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * Which failures of a start-up step are worth another try: a store that is slow or not there yet (timeouts, refused
 * connections, no node available), as on a busy host or while a cluster forms. Anything the store decided (wrong
 * credentials, missing rights, bad statements) is final: retrying only hides it.
 */
final class StartFailures {
  private StartFailures() {
  }

  static boolean isTransient(Throwable failure) {
    boolean transientSeen = false;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (refused(t)) {
        return false;
      }
      transientSeen |= slowOrAbsent(t);
      for (Throwable s : t.getSuppressed()) {
        if (refused(s)) {
          return false;
        }
      }
    }
    return transientSeen;
  }

  private static boolean refused(Throwable t) {
    String name = t.getClass().getName();
    return t instanceof org.apache.kafka.common.errors.AuthenticationException
        || t instanceof org.apache.kafka.common.errors.AuthorizationException
        || name.equals("com.datastax.oss.driver.api.core.auth.AuthenticationException")
        || name.equals("com.datastax.oss.driver.api.core.servererrors.UnauthorizedException")
        || name.equals("com.datastax.oss.driver.api.core.servererrors.SyntaxError")
        || name.equals("com.datastax.oss.driver.api.core.servererrors.InvalidQueryException")
        // PostgreSQL wire errors of class 28 (invalid authorization) and 42 (syntax, access rule) from QuestDB.
        || t instanceof io.vertx.pgclient.PgException pg && pg.getSqlState() != null
            && (pg.getSqlState().startsWith("28") || pg.getSqlState().startsWith("42"));
  }

  private static boolean slowOrAbsent(Throwable t) {
    String name = t.getClass().getName();
    return t instanceof TimeoutException
        || t instanceof ConnectException
        || t instanceof org.apache.kafka.common.errors.RetriableException
        || t instanceof io.vertx.core.http.HttpClosedException
        || name.equals("io.vertx.core.impl.NoStackTraceTimeoutException")
        || name.equals("com.datastax.oss.driver.api.core.AllNodesFailedException")
        || name.equals("com.datastax.oss.driver.api.core.NoNodeAvailableException")
        || name.equals("com.datastax.oss.driver.api.core.DriverTimeoutException")
        // The SQL client's pool: no connection within its timeout (QuestDB slow to accept one).
        || t instanceof io.vertx.core.VertxException && String.valueOf(t.getMessage()).startsWith("Timeout waiting for connection");
  }
}
