// Beacon dashboard: a small single-page app over the reporting and admin APIs. Everything a hit
// carries is shown with textContent, never as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
// The view's state lives in the URL's hash too (viewstate.js): range, comparison, filters, chart metric.
const state = { property: null, properties: [], view: 'overview', filters: [], range: '7', from: null, to: null, compare: true,
  metric: 'totalUsers', csrf: null, charts: [], page: {} };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => (k === 'class' ? (e.className = v) : e.setAttribute(k, v)));
  children.flat().forEach((c) => e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))));
  return e;
}

async function api(method, path, body, accept) {
  const headers = { 'Content-Type': 'application/json' };
  if (accept) headers.Accept = accept;
  const csrf = state.csrf || (document.cookie.match(/(?:^|; )beacon_csrf=([^;]+)/) || [])[1];
  if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  // The first calls of a page load were started already (boot.js).
  const r = (method === 'GET' && !accept && await boot.take(path))
    || await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
  if (r.status === 401) { showLogin(); throw new Error('not logged in'); }
  if (accept === 'text/csv') return r;
  const json = await r.json().catch(() => ({}));
  if (!r.ok) {
    let message = (json.error && json.error.message) || ('HTTP ' + r.status);
    // Over a quota or a full queue: when to ask again, if the message does not say it already.
    const after = r.status === 429 && r.headers.get('Retry-After');
    if (after && !/retry in/i.test(message)) message += ' (retry in ' + after + ' s)';
    // The field the API names (error.field) lets a form show the message next to it.
    const err = new Error(message);
    err.field = (json.error && json.error.field) || '';
    throw err;
  }
  return json;
}

const runReport = (body) => api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + ':runReport', body);
/**
 * Up to 5 reports in one request (:batchRunReports, GA's limit): fewer requests wait for the browser's 6 connections
 * to the host, and the report quota counts one. The reports, in the order asked; one failing fails them all.
 */
const runReports = (bodies) => api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + ':batchRunReports',
  { requests: bodies }).then((r) => r.reports);

function formatMetric(name, v) {
  const n = Number(v);
  if (name === 'engagementRate' || name === 'bounceRate') return (n * 100).toFixed(1) + '%';
  if (name === 'userEngagementDuration' || name === 'averageSessionDuration') {
    const s = Math.round(n); return s >= 3600 ? Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm' : Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  }
  return Number.isInteger(n) ? n.toLocaleString() : n.toFixed(2);
}

/**
 * Makes a focusable non-button (a table row that filters, a sortable header) act as a button does: Enter or Space
 * runs {@code action} (Space without scrolling the page).
 */
function onActivate(node, action) {
  node.onclick = action;
  node.onkeydown = (e) => {
    if (e.target !== node || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    action();
  };
}

/** Loads a script of the dashboard once, when first needed (the explorations: not part of the overview's bytes). */
const scripts = {};
function loadScript(src) {
  scripts[src] = scripts[src] || new Promise((resolve, reject) => {
    const s = el('script', { src });
    s.onload = resolve;
    s.onerror = () => { delete scripts[src]; reject(new Error('Could not load ' + src)); };
    document.body.append(s);
  });
  return scripts[src];
}

function card(title, wide, ...body) {
  return el('section', { class: 'card' + (wide ? ' wide' : '') }, el('h2', {}, title), ...body);
}

function loading(node) { node.replaceChildren(el('p', { class: 'muted' }, 'Loading…')); }

function renderRealtime(main) {
  const box = el('div', { class: 'kpis' }); const chartBox = el('div', { class: 'chart' });
  const lists = { topPages: el('div', { class: 'scroll' }), topSources: el('div', { class: 'scroll' }),
    topCountries: el('div', { class: 'scroll' }), topDevices: el('div', { class: 'scroll' }) };
  main.append(card('Right now', true, box), card('Views per minute, last 30 minutes', true, chartBox),
    card('Top pages (views)', false, lists.topPages), card('Top sources (users)', false, lists.topSources),
    card('Top countries (users)', false, lists.topCountries), card('Top devices (users)', false, lists.topDevices));
  box.replaceChildren(el('p', { class: 'muted' }, 'Connecting…'));
  // Bars of the minutes' views; the labels ("-5m") change with every snapshot, the chart reads them at draw time.
  const labels = [];
  const x = categoryX(labels); const y = valueY();
  const chart = mountChart(chartBox, { cursor: CHART_CURSOR, scales: { x: x.scale, y: y.scale }, axes: [x.axis, y.axis],
    series: [{ label: 'Minute', value: x.value }, { label: 'Views', stroke: CHART_COLORS.line, width: 0, fill: CHART_COLORS.line, value: y.value,
      paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } }] }, [[], []]);
  state.charts.push(chart);
  const show = (snap) => {
    box.replaceChildren(
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Active users'), el('div', { class: 'value', id: 'realtime-active' }, snap.activeUsers)),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Views'), el('div', { class: 'value' }, snap.pageViews)),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Events'), el('div', { class: 'value' }, snap.events)));
    const minutes = snap.minutes || [];
    labels.splice(0, labels.length, ...minutes.map((m) => '-' + Math.round((snap.asOf - m.minute) / 60000) + 'm'));
    chart.setData([minutes.map((m, i) => i), minutes.map((m) => m.pageViews)]);
    Object.entries(lists).forEach(([key, node]) => {
      const rows = snap[key] || [];
      node.replaceChildren(rows.length ? el('table', {}, el('tbody', {}, rows.map((r) => el('tr', {}, el('td', {}, r.value), el('td', { class: 'num' }, r.count)))))
        : el('p', { class: 'empty' }, 'Nothing in the last 30 minutes.'));
    });
  };
  // Server-sent events: the bridge publishes at most once per second; the first event is the current state.
  const source = new EventSource('/api/v1/properties/' + encodeURIComponent(state.property) + '/realtime/stream');
  source.addEventListener('snapshot', (e) => show(JSON.parse(e.data)));
  source.onerror = () => box.replaceChildren(el('p', { class: 'muted' }, 'Reconnecting…'));
  state.closeStream = () => source.close();
}

async function render() {
  state.charts.forEach((c) => c.dispose()); state.charts = [];
  if (state.closeStream) { state.closeStream(); state.closeStream = null; }
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.view === state.view));
  const exploring = !!document.querySelector('#explore-nav a.active');
  $('explore-toggle').classList.toggle('active', exploring);
  // Open on the group's views, closed on the others (opened there by the button alone).
  $('explore-nav').hidden = !exploring; $('explore-toggle').setAttribute('aria-expanded', String(exploring));
  // The date bar serves the overview, the reports and the explorations only: it does nothing on Real-time (the last
  // 30 minutes), Settings or any management page. The explorations neither compare nor take the dashboard's filters.
  const explores = Object.prototype.hasOwnProperty.call(PAGE_PARAMS, state.view);
  const dated = explores || state.view === 'overview' || Object.prototype.hasOwnProperty.call(REPORT_VIEWS, state.view);
  $('datebar').hidden = !dated;
  $('compare').parentNode.hidden = explores;
  renderFilterChips(dated);
  const main = $('view'); main.replaceChildren(); main.className = '';
  // A render still awaiting an answer sees a newer one started and appends nothing more.
  const turn = main.dataset.render = String((Number(main.dataset.render) || 0) + 1);
  // Pages of the account and the installation, not of one property (manage.js).
  const own = { 'new-property': renderNewProperty, account: renderAccount, users: renderUsers };
  if (Object.prototype.hasOwnProperty.call(own, state.view)) {
    try { await own[state.view](main); } catch (e) { main.append(card('Error', true, el('p', { class: 'error' }, e.message))); }
    return;
  }
  if (!state.property) {
    const create = el('button', { type: 'button', id: 'first-property' }, 'New property');
    create.onclick = () => { state.view = 'new-property'; go(); };
    main.append(card('No property yet', true, el('p', { class: 'empty' }, 'Create the first one, or ask an administrator for a role on one.'), create));
    return;
  }
  if (dated && !periods()) { main.append(card('Custom range', true, el('p', { class: 'empty' }, 'Pick a start and an end date (the start first).'))); return; }
  try {
    if (state.view === 'overview') await renderOverview(main);
    else if (state.view === 'realtime') renderRealtime(main);
    else if (state.view === 'settings') await renderPropertySettings(main);
    else if (state.view === 'explorer') await renderExplorer(main);
    else if (Object.prototype.hasOwnProperty.call(REPORT_VIEWS, state.view)) await renderReports(main, state.view);
    else if (explores) {
      await loadScript('explore.js');
      if (main.dataset.render === turn) await renderExplore(main, state.view);
    }
  } catch (e) { main.append(card('Error', true, el('p', { class: 'error' }, e.message))); }
}

/** The filters as removable chips, "Country is DE ×", each filtering the whole dashboard (not the explorations). */
function renderFilterChips(shown) {
  shown = shown && !Object.prototype.hasOwnProperty.call(PAGE_PARAMS, state.view);
  $('filters').replaceChildren(...(shown ? state.filters : []).map((f) => {
    const remove = el('button', { type: 'button', 'aria-label': 'Remove filter ' + uiName(f.name) + ' is ' + f.value }, '×');
    remove.onclick = () => removeFilter(f.name);
    return el('span', { class: 'chip', 'data-filter': f.name }, uiName(f.name) + ' is ' + f.value, remove);
  }), ...(shown && state.filters.length > 1 ? [Object.assign(el('button', { type: 'button', class: 'link' }, 'Clear all'),
    { onclick: () => { state.filters = []; go(); } })] : []));
}

function showLogin() { $('app').hidden = true; $('change-password').hidden = true; $('setup').hidden = true; $('login').hidden = false; }

// The first login with a one-time password (the bootstrap administrator's, or one an administrator set): the session
// may only change it, so nothing else is shown until then.
function showChangePassword(email) {
  $('app').hidden = true; $('login').hidden = true; $('setup').hidden = true; $('change-password').hidden = false;
  $('password-user').value = email || '';
  $('password-error').textContent = '';
}

async function start() {
  // The setup link of a first run (setup.js) opens its own page.
  if (await setupStart()) return;
  // Asks without failing when logged out, so a fresh visit logs no error.
  const who = await (await (boot.take('/api/v1/session') || fetch('/api/v1/session', { credentials: 'same-origin' }))).json();
  if (!who.email) { boot.clear(); showLogin(); return; }
  if (who.passwordChangeRequired) { boot.clear(); showChangePassword(who.email); return; }
  $('change-password').hidden = true;
  state.admin = !!who.admin; state.email = who.email;
  // Users are the administrators' page only (the API refuses the others anyway).
  document.querySelector('#tabs a[data-view=users]').hidden = !state.admin;
  // The session lists the properties too (one round trip less); asked for on their own only when it did not.
  const list = Array.isArray(who.properties) ? who : await api('GET', '/api/v1/admin/properties');
  $('login').hidden = true; $('app').hidden = false;
  $('property').replaceChildren(...list.properties.map((p) => el('option', { value: p.propertyId }, p.name + ' (' + p.propertyId + ')')));
  state.properties = list.properties;
  state.property = list.properties.length ? list.properties[0].propertyId : null;
  // A bookmarked or reloaded view comes back as it was.
  hashToState(); stateToControls();
  // The labels (metadata) load alongside the view's reports, not before them: the overview shows none but in the
  // filter chips, drawn again once they are in; the reports views wait for them themselves (labelsFor is shared).
  await boot.started;
  const property = state.property;
  const labels = property ? labelsFor(property) : null;
  boot.clear();
  go();
  if (labels) {
    labels.then(() => { if (state.property === property && !$('app').hidden) renderFilterChips(!$('datebar').hidden); });
  }
}

$('login-form').onsubmit = async (ev) => {
  ev.preventDefault();
  const r = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: $('login-email').value, password: $('login-password').value }) });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) { $('login-error').textContent = (json.error && json.error.message) || 'Login failed'; return; }
  state.csrf = json.csrfToken; start();
};
$('password-form').onsubmit = async (ev) => {
  ev.preventDefault();
  if ($('password-new').value !== $('password-again').value) { $('password-error').textContent = 'The new passwords differ.'; return; }
  try {
    await api('POST', '/api/v1/account/password', { currentPassword: $('password-current').value, newPassword: $('password-new').value });
    ['password-current', 'password-new', 'password-again'].forEach((id) => { $(id).value = ''; });
    start();
  } catch (e) { $('password-error').textContent = e.message; }
};
$('logout').onclick = async () => { await api('POST', '/api/v1/logout').catch(() => {}); showLogin(); };
$('property').onchange = async () => { state.property = $('property').value; state.filters = []; await labelsFor(state.property); go(); };
$('range').onchange = () => {
  state.range = $('range').value;
  if (state.range === 'custom' && !state.from) {
    // Starts from the last 7 days, to be edited.
    const today = todayInZone(); state.from = Days.add(today, -6); state.to = today;
  }
  stateToControls(); go();
};
$('from').onchange = () => { state.from = $('from').value; go(); };
$('to').onchange = () => { state.to = $('to').value; go(); };
$('compare').onchange = () => { state.compare = $('compare').checked; go(); };
$('explore-toggle').onclick = () => {
  const open = $('explore-nav').hidden;
  $('explore-nav').hidden = !open; $('explore-toggle').setAttribute('aria-expanded', String(open));
};
document.querySelectorAll('nav a').forEach((a) => {
  a.href = '#' + a.dataset.view;
  a.onclick = (e) => { e.preventDefault(); state.view = a.dataset.view; go(); };
});
start().catch(() => showLogin());
