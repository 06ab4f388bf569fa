package io.beacon.infra.clients;

import com.datastax.oss.driver.api.core.CqlSession;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import javax.cache.configuration.Factory;
import org.apache.ignite.cache.store.CacheStoreAdapter;

/**
 * Base of Beacon's Ignite {@code CacheStore}s over Cassandra. Ignite creates and calls stores on its own threads,
 * on whichever nodes host the cache, so a store gets a blocking driver session ({@link StoreSessions}) and is made
 * by a serializable {@link #factory} that carries only the store's class name and the Cassandra config.
 */
public abstract class CassandraCacheStore<K, V> extends CacheStoreAdapter<K, V> {
  protected final CassandraConfig config;

  protected CassandraCacheStore(CassandraConfig config) {
    this.config = config;
  }

  protected CqlSession session() {
    return StoreSessions.of(config);
  }

  /** A factory of {@code type} stores; {@code type} needs a constructor taking the {@link CassandraConfig}. */
  public static <S extends CassandraCacheStore<?, ?>> Factory<S> factory(Class<S> type, CassandraConfig config) {
    return new StoreFactory<>(type.getName(), StoreSessions.encode(config));
  }

  /** The bytes of a blob column (null stays null). */
  public static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  /** A plain serializable class (Ignite's marshaller does not round-trip records or lambdas). */
  private static final class StoreFactory<S> implements Factory<S> {
    private static final long serialVersionUID = 1L;
    private final String type;
    private final String config;

    StoreFactory(String type, String config) {
      this.type = type;
      this.config = config;
    }

    @Override
    @SuppressWarnings("unchecked")
    public S create() {
      try {
        Constructor<?> c = Class.forName(type).getDeclaredConstructor(CassandraConfig.class);
        c.setAccessible(true);
        return (S) c.newInstance(StoreSessions.decode(config));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot create cache store " + type + ": " + e, e);
      }
    }
  }
}
