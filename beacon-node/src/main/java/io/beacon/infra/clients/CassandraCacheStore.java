package io.beacon.infra.clients;

import com.datastax.oss.driver.api.core.CqlSession;
import java.lang.reflect.Constructor;
import javax.cache.configuration.Factory;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.store.CacheStoreAdapter;
import org.apache.ignite.resources.IgniteInstanceResource;

/**
 * Base of Beacon's Ignite {@code CacheStore}s over Cassandra. Ignite creates stores from a serializable
 * {@link #factory} (it travels with the cache's configuration to every node that hosts the cache) and calls them
 * on its own threads, so a store neither carries a session nor looks one up statically: it uses the blocking
 * driver session ({@link Clients#cassandraSession()}) of the node it runs on, found through that node's Ignite
 * instance, which Ignite injects into every store it creates. The node puts its {@link Clients} there when it
 * starts ({@link #install}); they stay owned, and are closed, by the node.
 */
public abstract class CassandraCacheStore<K, V> extends CacheStoreAdapter<K, V> {
  /** The key of the node's {@link Clients} in its Ignite instance's node-local map. */
  private static final String CLIENTS = Clients.class.getName();

  @IgniteInstanceResource
  private Ignite ignite;

  /**
   * Lends the node's clients to the cache stores Ignite creates on this node (every store of every cache, on
   * this Ignite instance only). Called once per node, before its roles create their caches.
   */
  public static void install(Ignite ignite, Clients clients) {
    ignite.cluster().nodeLocalMap().put(CLIENTS, clients);
  }

  /** The blocking session of the node this store runs on, bound to Beacon's keyspace. */
  protected CqlSession session() {
    Object clients = ignite == null ? null : ignite.cluster().nodeLocalMap().get(CLIENTS);
    if (!(clients instanceof Clients c)) {
      throw new IllegalStateException("no Cassandra clients on this node yet (" + getClass().getSimpleName()
          + " called before the node finished starting)");
    }
    return c.cassandraSession();
  }

  /**
   * A factory of {@code type} stores: it carries only the class name (the stores find their session on the node
   * that runs them), and {@code type} needs a no-argument constructor.
   */
  public static <S extends CassandraCacheStore<?, ?>> Factory<S> factory(Class<S> type) {
    return new StoreFactory<>(type.getName());
  }

  /** A plain serializable class (Ignite's marshaller does not round-trip records or lambdas). */
  private static final class StoreFactory<S> implements Factory<S> {
    private static final long serialVersionUID = 2L;
    private final String type;

    StoreFactory(String type) {
      this.type = type;
    }

    @Override
    @SuppressWarnings("unchecked")
    public S create() {
      try {
        Constructor<?> c = Class.forName(type).getDeclaredConstructor();
        c.setAccessible(true);
        return (S) c.newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot create cache store " + type + ": " + e, e);
      }
    }
  }
}
