/**
 * Synthetic traffic with independent ground truth, and the accuracy check against a running node.
 *
 * <ul>
 *   <li>{@link io.beacon.loadgen.TrafficPlan}: deterministic (seeded) visitors, sessions and hits for several
 *       properties, starting with the {@link io.beacon.loadgen.Scenarios} catalog (one scripted journey per rule);
 *       {@link io.beacon.loadgen.Wire} puts them on the wire as a real client would (Beacon's tracker, gtag.js,
 *       GA4 Measurement Protocol, Universal Analytics);</li>
 *   <li>{@link io.beacon.loadgen.Sender}: sends them at a rate with bounded concurrency, retries, and records what
 *       the collector acknowledged;</li>
 *   <li>{@link io.beacon.loadgen.GroundTruth}: exact expected report values, computed from what the generator
 *       sent (and when) by the analytics model's rules ({@link io.beacon.loadgen.AttributionRules} for sources and
 *       channel groups), with plain loops and exact sets. It must never use Beacon's own model, aggregation, report
 *       or collector code: it is the independent side of the comparison;</li>
 *   <li>{@link io.beacon.loadgen.AccuracyCheck}: runs the reporting API and lists every difference.</li>
 * </ul>
 *
 * CLI: {@code beacon generate ...} and {@code beacon verify ...} ({@link io.beacon.loadgen.LoadgenCommands}, the
 * command lines; {@link io.beacon.loadgen.LoadgenCli}, what they do).
 */
package io.beacon.loadgen;
