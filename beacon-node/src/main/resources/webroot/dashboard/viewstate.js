// The dashboard's view state (view, property, date range, comparison, filters, chart metric) and its place in the
// URL's hash, so a view can be bookmarked, shared and reloaded. Loaded before app.js; everything here is read at call
// time, so it may use app.js's helpers (state, $).
'use strict';

/** Day arithmetic on YYYY-MM-DD strings, in UTC so no daylight-saving day is 23 or 25 hours long. */
const Days = {
  parse: (s) => { const [y, m, d] = s.split('-').map(Number); return Date.UTC(y, m - 1, d); },
  format: (ms) => new Date(ms).toISOString().slice(0, 10),
  add: (s, n) => Days.format(Days.parse(s) + n * 864e5),
  between: (a, b) => Math.round((Days.parse(b) - Days.parse(a)) / 864e5),
  valid: (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Days.parse(s)),
};

/** The property's time zone (from the property list), UTC if unknown. */
function propertyZone() {
  const p = (state.properties || []).find((x) => x.propertyId === state.property);
  return (p && p.timeZone) || 'UTC';
}

/** Today's date in the property's time zone: the API resolves "today" there too. */
function todayInZone() {
  try {
    // en-CA formats as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone: propertyZone(), year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date());
  } catch (e) {
    return new Date().toISOString().slice(0, 10);
  }
}

/**
 * The current and the previous period as explicit dates, [{startDate, endDate}, {startDate, endDate}]: explicit so the
 * chart can plot every day of the range (zero for days without data) and the comparison is the same length right
 * before it. Null when a custom range is incomplete or reversed.
 */
function periods() {
  const today = todayInZone();
  let start; let end;
  if (state.range === 'custom') {
    if (!Days.valid(state.from) || !Days.valid(state.to) || state.from > state.to) return null;
    start = state.from; end = state.to;
  } else if (state.range === 'today') { start = end = today; }
  else if (state.range === 'yesterday') { start = end = Days.add(today, -1); }
  else { const n = Number(state.range) || 7; end = today; start = Days.add(today, -(n - 1)); }
  const len = Days.between(start, end) + 1;
  return [{ startDate: start, endDate: end }, { startDate: Days.add(start, -len), endDate: Days.add(start, -1) }];
}

/** The dashboard's filters as one GA4 FilterExpression (all must hold), plus {@code extra} if given. */
function filterExpression(extra) {
  const parts = state.filters.map((f) => ({ filter: { fieldName: f.name, stringFilter: { matchType: 'EXACT', value: f.value, caseSensitive: true } } }));
  if (extra) parts.push(extra);
  if (!parts.length) return undefined;
  return parts.length === 1 ? parts[0] : { andGroup: { expressions: parts } };
}

/** Adds a filter (one per dimension: a second click on the same dimension replaces the first) and shows the view. */
function addFilter(name, value, view) {
  state.filters = state.filters.filter((f) => f.name !== name).concat([{ name, value }]);
  if (view) state.view = view;
  go();
}

function removeFilter(name) {
  state.filters = state.filters.filter((f) => f.name !== name);
  go();
}

const RANGES = ['today', 'yesterday', '7', '28', '90', 'custom'];
/**
 * The explorations (explore.js, loaded when first opened) and their own parameters in the hash, each a list of
 * values (state.page): a funnel's steps, the cohorts' and the paths' settings. A view listed here has the date bar.
 */
const PAGE_PARAMS = { funnels: ['step', 'open', 'scope', 'days', 'by'], cohorts: ['grain', 'count', 'ret'],
  paths: ['kind', 'start', 'dir', 'type', 'steps', 'top'] };

/** The state as the hash holds it: #overview?p=ID&range=7&cmp=1&f=country:DE&f=browser:Chrome&metric=totalUsers. */
function stateToHash() {
  const q = new URLSearchParams();
  if (state.property) q.set('p', state.property);
  q.set('range', state.range);
  if (state.range === 'custom') { q.set('from', state.from || ''); q.set('to', state.to || ''); }
  q.set('cmp', state.compare ? '1' : '0');
  state.filters.forEach((f) => q.append('f', f.name + ':' + f.value));
  if (state.metric) q.set('metric', state.metric);
  (PAGE_PARAMS[state.view] || []).forEach((k) => (state.page[k] || []).forEach((v) => q.append(k, v)));
  return '#' + state.view + '?' + q.toString();
}

/** Reads the hash into the state; what it lacks or has wrong keeps the current value. */
function hashToState() {
  const h = location.hash.replace(/^#/, '');
  if (!h) return;
  const [view, query] = h.split('?');
  if (view && document.querySelector('nav a[data-view="' + CSS.escape(view) + '"]')) state.view = view;
  const q = new URLSearchParams(query || '');
  const p = q.get('p');
  if (p && (state.properties || []).some((x) => x.propertyId === p)) state.property = p;
  if (RANGES.includes(q.get('range'))) state.range = q.get('range');
  if (q.has('from')) state.from = q.get('from');
  if (q.has('to')) state.to = q.get('to');
  if (q.has('cmp')) state.compare = q.get('cmp') !== '0';
  if (q.has('metric')) state.metric = q.get('metric');
  (PAGE_PARAMS[state.view] || []).forEach((k) => { state.page[k] = q.getAll(k); });
  // name:value; the value may itself hold ':' (a URL), the dashboard's (standard) dimension names never do.
  state.filters = q.getAll('f').map((s) => ({ name: s.slice(0, s.indexOf(':')), value: s.slice(s.indexOf(':') + 1) }))
    .filter((f) => /^[A-Za-z][A-Za-z0-9_]*$/.test(f.name));
}

/** The date bar's controls show the state. */
function stateToControls() {
  $('range').value = state.range;
  $('custom-range').hidden = state.range !== 'custom';
  if (state.range === 'custom') {
    const p = periods();
    $('from').value = state.from || (p ? p[0].startDate : '');
    $('to').value = state.to || (p ? p[0].endDate : '');
  }
  $('compare').checked = state.compare;
  if (state.property) $('property').value = state.property;
}

/**
 * Puts the state in the URL and renders it: a new history entry, so Back undoes a filter; the hashchange listener
 * renders (or, if the hash did not change, this does).
 */
function go() {
  const hash = stateToHash();
  if (location.hash === hash) render();
  else location.hash = hash;
}

window.addEventListener('hashchange', () => {
  // A setup link opened in a tab that shows the dashboard already (only the hash changes: no new page load).
  if (setupCodeInHash()) { start().catch(() => showLogin()); return; }
  if ($('app').hidden) return;
  hashToState(); stateToControls(); render();
});
