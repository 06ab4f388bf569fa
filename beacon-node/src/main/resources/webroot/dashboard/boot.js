// The dashboard's first API calls, started from the page's head while the other scripts download (issue 20: the
// overview's first meaningful paint under 1 s). The session first: it names a logged-in user and lists their
// properties. Then the metadata of the property the address names (or else of the first listed), which app.js fetches
// alongside the overview's reports. app.js's api() and start() take these answers (each once) instead of asking
// again. Nothing more is asked for a visitor who is not logged in (no failed request in the console), nor on a setup
// link (setup.js logs in first, so a session asked for now would be stale).
'use strict';
const boot = (() => {
  const pending = new Map();
  if (/^#setup=/.test(location.hash)) return { take: () => null, started: Promise.resolve(null), clear: () => {} };
  const get = (path) => fetch(path, { credentials: 'same-origin' });
  const session = get('/api/v1/session');
  pending.set('/api/v1/session', session);
  const who = session.then((r) => r.clone().json()).catch(() => ({}));
  // The property of a bookmarked or reloaded view (viewstate.js's "p"), else the first listed, as app.js picks; when
  // the list lacks the address's property app.js falls back to the first one, and this answer is then dropped.
  const named = new URLSearchParams(location.hash.split('?')[1] || '').get('p');
  const metadata = who.then((w) => {
    if (!w.email || w.passwordChangeRequired) return null;
    const first = Array.isArray(w.properties) && w.properties.length ? w.properties[0].propertyId : null;
    const property = named && /^[A-Za-z0-9_-]{1,64}$/.test(named) ? named : first;
    if (!property) return null;
    const path = '/api/v1/properties/' + property + '/metadata';
    pending.set(path, get(path));
    return path;
  });
  return {
    /** The pending answer (a Promise of a Response, or of null when not asked) to GET {@code path}, or null. */
    take: (path) => { const r = pending.get(path) || null; pending.delete(path); return r; },
    /** Settles once the metadata call, if any, was started (after the session's answer). */
    started: metadata,
    /** Drops what start() did not take: later calls ask afresh. */
    clear: () => pending.clear(),
  };
})();
