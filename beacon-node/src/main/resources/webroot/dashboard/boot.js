// The dashboard's first API calls, started from the page's head while the other scripts download (issue 20: the
// overview's first meaningful paint under 1 s). The session first; once it names a logged-in user, the property list
// and, when the address names a property, its metadata, both at once. app.js's api() and start() take these answers
// (each once) instead of asking again. Nothing more is asked for a visitor who is not logged in (no failed request in
// the console), nor on a setup link (setup.js logs in first, so a session asked for now would be stale).
'use strict';
const boot = (() => {
  const pending = new Map();
  if (/^#setup=/.test(location.hash)) return { take: () => null, clear: () => {} };
  const get = (path) => fetch(path, { credentials: 'same-origin' });
  const session = get('/api/v1/session');
  pending.set('/api/v1/session', session);
  const who = session.then((r) => r.clone().json()).catch(() => ({}));
  const afterLogin = (path) => pending.set(path, who.then((w) => (w.email && !w.passwordChangeRequired ? get(path) : null)));
  afterLogin('/api/v1/admin/properties');
  // The property of a bookmarked or reloaded view (viewstate.js's "p"); app.js falls back to the first property when
  // the list lacks it, and this answer is then dropped.
  const property = new URLSearchParams(location.hash.split('?')[1] || '').get('p');
  if (property && /^[A-Za-z0-9_-]{1,64}$/.test(property)) afterLogin('/api/v1/properties/' + property + '/metadata');
  return {
    /** The pending answer (a Promise of a Response, or of null when not asked) to GET {@code path}, or null. */
    take: (path) => { const r = pending.get(path) || null; pending.delete(path); return r; },
    /** Drops what start() did not take: later calls ask afresh. */
    clear: () => pending.clear(),
  };
})();
