/**
 * Beacon's Cassandra rows, each mapped once (schema: {@code schema/cassandra.cql}): the CQL of every statement
 * on a table, and the binding and reading of its row from and to the model's types. Used by the node's roles and
 * by the Spark job, with the DataStax driver each of them brings (4.x; no Vert.x here).
 *
 * <ul>
 *   <li>{@link io.beacon.store.cassandra.AggBucketsTable}: {@code agg_buckets}, the precomputed aggregates; a row
 *       is an {@link io.beacon.store.cassandra.AggBucketRow} (serializable: the caches hold it);</li>
 *   <li>{@link io.beacon.store.cassandra.PropertiesTable}: {@code properties}, the tracked sites and apps; a row
 *       is a {@link io.beacon.store.cassandra.PropertyRecord};</li>
 *   <li>{@link io.beacon.store.cassandra.ContactPoints}: the one parser of {@code host:port} contact points.</li>
 * </ul>
 */
package io.beacon.store.cassandra;
