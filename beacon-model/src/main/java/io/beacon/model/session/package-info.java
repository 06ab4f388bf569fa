/**
 * Session- and user-scoped facts (docs/analytics-model.md, "Semantics"): which session each event belongs to,
 * the session's attribution, landing page and engagement, and the client's first visit. Pure functions of a
 * client's events (any arrival order) and what is known of the client from before ({@link
 * io.beacon.model.session.ClientHistory}), so the stream and recompute decide alike.
 */
package io.beacon.model.session;
