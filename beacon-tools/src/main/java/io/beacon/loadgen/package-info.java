/**
 * Synthetic traffic with independent ground truth, and the accuracy check against a running node.
 *
 * <ul>
 *   <li>{@link io.beacon.loadgen.TrafficPlan}: deterministic (seeded) visitors, sessions and hits for several
 *       properties; {@link io.beacon.loadgen.Wire} puts them on the wire as a real client would (Beacon's tracker /
 *       GA4 web, GA4 Measurement Protocol, Universal Analytics);</li>
 *   <li>{@link io.beacon.loadgen.Sender}: sends them at a rate with bounded concurrency, retries, and records what
 *       the collector acknowledged;</li>
 *   <li>{@link io.beacon.loadgen.GroundTruth}: exact expected report values, computed from what the generator
 *       decided to send, with plain loops and exact sets. It must never use Beacon's own aggregation, report or
 *       collector code: it is the independent side of the comparison;</li>
 *   <li>{@link io.beacon.loadgen.AccuracyCheck}: runs the reporting API and lists every difference.</li>
 * </ul>
 *
 * CLI: {@code beacon generate ...} and {@code beacon verify ...} ({@link io.beacon.loadgen.LoadgenCommands}, the
 * command lines; {@link io.beacon.loadgen.LoadgenCli}, what they do).
 */
package io.beacon.loadgen;
