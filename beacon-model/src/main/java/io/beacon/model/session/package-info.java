/**
 * Session- and user-scoped facts (docs/analytics-model.md, "Semantics"): which session each event belongs to,
 * the session's attribution, landing page and engagement, and the client's first visit. Pure functions of a
 * client's events (any arrival order) and what is known of the client from before ({@link
 * io.beacon.model.session.ClientHistory}), so the stream and recompute decide alike. {@link
 * io.beacon.model.session.ClientState} is the stream's side: the per-client state machine that counts a session's
 * events once it has settled, with the scope {@link io.beacon.model.session.Sessions#scope} gives them, and names
 * the days recompute must rebuild when late events change scopes already counted.
 */
package io.beacon.model.session;
