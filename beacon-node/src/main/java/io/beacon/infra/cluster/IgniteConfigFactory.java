package io.beacon.infra.cluster;

import io.beacon.infra.config.BeaconConfig.ClusterConfig;
import java.nio.file.Path;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.configuration.CacheConfiguration;
import io.beacon.infra.config.Role;
import org.apache.ignite.configuration.DataPageEvictionMode;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.SystemDataRegionConfiguration;
import org.apache.ignite.events.EventType;
import org.apache.ignite.failure.StopNodeFailureHandler;
import org.apache.ignite.logger.slf4j.Slf4jLogger;
import org.apache.ignite.plugin.segmentation.SegmentationPolicy;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.apache.ignite.ssl.SslContextFactory;

/**
 * Builds the Ignite configuration of a node: static discovery (no multicast), fixed port ranges,
 * bounded off-heap memory, an explicit work directory, and no extra listeners (thin-client and
 * REST connectors are off). Passing our own configuration bypasses vertx-ignite's defaults, so the
 * {@code __vertx.*} cache template it needs is declared here.
 */
public final class IgniteConfigFactory {
  private static final long MB = 1024L * 1024L;

  private IgniteConfigFactory() {}

  /** The data region of caches that may drop entries when full because a store (Cassandra) holds them all. */
  public static final String EVICTING_REGION = "beacon-evicting";
  /** The data region of the collector's de-duplication marks: bounded, least recently used pages evicted. */
  public static final String COLLECTOR_REGION = "beacon-collector-state";
  /** Ignite node attribute listing the node's roles (comma-separated keys), for caches pinned to a role. */
  public static final String ROLES_ATTRIBUTE = "beacon.roles";

  public static IgniteConfiguration create(ClusterConfig c, String nodeName, java.util.Set<Role> roles,
                                           long evictingRegionMb, long collectorRegionMb) {
    IgniteConfiguration cfg = plain(c, nodeName, roles, evictingRegionMb, collectorRegionMb);
    if (c.tlsEnabled()) {
      // Discovery and communication over mutual TLS: Ignite asks every peer for a certificate the trust store
      // (the cluster's CA) accepts, so a process without one cannot join or talk to a member.
      SslContextFactory ssl = new SslContextFactory();
      ssl.setKeyStoreType("PKCS12");
      ssl.setKeyStoreFilePath(c.tls().keyStore());
      ssl.setKeyStorePassword(c.tls().keyStorePassword().toCharArray());
      ssl.setTrustStoreType("PKCS12");
      ssl.setTrustStoreFilePath(c.tls().trustStore());
      ssl.setTrustStorePassword(c.tls().trustStorePassword().toCharArray());
      // TLS 1.2: Ignite's NIO handshake can freeze under TLS 1.3 (IGNITE-15337; seen here as two nodes stuck in
      // discovery), and 1.2 with ECDHE is what its own tests pin.
      ssl.setProtocol("TLSv1.2");
      cfg.setSslContextFactory(ssl);
    }
    return cfg;
  }

  private static IgniteConfiguration plain(ClusterConfig c, String nodeName, java.util.Set<Role> roles,
                                           long evictingRegionMb, long collectorRegionMb) {
    TcpDiscoveryVmIpFinder ipFinder = new TcpDiscoveryVmIpFinder(false);
    ipFinder.setAddresses(c.members());
    TcpDiscoverySpi discovery = new TcpDiscoverySpi()
        .setIpFinder(ipFinder)
        .setLocalAddress(c.host())
        .setLocalPort(c.discoveryPort())
        .setLocalPortRange(c.discoveryPortRange());

    TcpCommunicationSpi communication = new TcpCommunicationSpi()
        .setLocalAddress(c.host())
        .setLocalPort(c.communicationPort())
        .setLocalPortRange(c.communicationPortRange());

    long maxRegion = c.dataRegionMb() * MB;
    DataStorageConfiguration storage = new DataStorageConfiguration()
        .setDefaultDataRegionConfiguration(new DataRegionConfiguration()
            .setName("default")
            .setInitialSize(Math.min(maxRegion, 32 * MB))
            .setMaxSize(maxRegion))
        .setDataRegionConfigurations(evicting(EVICTING_REGION, evictingRegionMb), evicting(COLLECTOR_REGION, collectorRegionMb))
        .setSystemDataRegionConfiguration(new SystemDataRegionConfiguration()
            .setInitialSize(16 * MB)
            .setMaxSize(32 * MB));

    CacheConfiguration<Object, Object> vertxTemplate = new CacheConfiguration<>("__vertx.*")
        .setCacheMode(CacheMode.REPLICATED)
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC);
    // Beacon's own caches default to one backup so losing a node loses no cached state.
    CacheConfiguration<Object, Object> defaultTemplate = new CacheConfiguration<>("*")
        .setCacheMode(CacheMode.PARTITIONED)
        .setBackups(1)
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC);

    return new IgniteConfiguration()
        .setIgniteInstanceName("beacon-" + nodeName)
        .setConsistentId(nodeName)
        .setUserAttributes(java.util.Map.of(ROLES_ATTRIBUTE,
            roles.stream().map(Role::key).sorted().collect(java.util.stream.Collectors.joining(","))))
        .setDiscoverySpi(discovery)
        .setCommunicationSpi(communication)
        .setPeerClassLoadingEnabled(false)
        .setClientConnectorConfiguration(null)
        .setConnectorConfiguration(null)
        .setWorkDirectory(Path.of(c.workDir()).toAbsolutePath().resolve(safe(nodeName)).toString())
        .setDataStorageConfiguration(storage)
        .setCacheConfiguration(vertxTemplate, defaultTemplate)
        .setFailureDetectionTimeout(c.failureDetectionTimeoutMs())
        .setMetricsLogFrequency(0)
        .setGridLogger(new Slf4jLogger())
        // Beacon handles segmentation itself (SegmentationGuard), so Ignite must not halt the JVM.
        .setSegmentationPolicy(SegmentationPolicy.NOOP)
        .setFailureHandler(new StopNodeFailureHandler())
        .setIncludeEventTypes(EventType.EVT_NODE_SEGMENTED, EventType.EVT_NODE_JOINED,
            EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
  }

  private static DataRegionConfiguration evicting(String name, long maxMb) {
    return new DataRegionConfiguration()
        .setName(name)
        .setInitialSize(Math.min(maxMb * MB, 16 * MB))
        .setMaxSize(maxMb * MB)
        .setPageEvictionMode(DataPageEvictionMode.RANDOM_2_LRU);
  }

  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
