package io.beacon.recompute;

import io.beacon.infra.config.RecomputeConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/**
 * What every report read from raw hits one person at a time (funnels, cohorts, user timelines) works with: the
 * raw store, the property's scope (zone, session rules, key events), the node's recompute slots and deadline, the
 * config and the metrics, on the recompute worker verticle's Vert.x.
 */
record RawReads(Vertx vertx, RecomputeConfig config, RawHits raw, ScopedRead scoped, LoadControl load,
                MeterRegistry meters) {}
