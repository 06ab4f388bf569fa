// Beacon dashboard: a small single-page app over the reporting and admin APIs. Everything a hit
// carries is shown with textContent, never as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
const state = { property: null, view: 'overview', filter: null, csrf: null, charts: [] };

const VIEWS = {
  pages: [['pagePath', 'Pages'], ['pageTitle', 'Page titles'], ['landingPage', 'Landing pages'], ['hostName', 'Hostnames']],
  acquisition: [['sessionDefaultChannelGroup', 'Channels'], ['sessionSourceMedium', 'Source / medium'], ['sessionSource', 'Sources'], ['sessionMedium', 'Mediums'],
    ['sessionCampaignName', 'Campaigns'], ['pageReferrer', 'Referrers']],
  audience: [['newVsReturning', 'New vs returning'], ['firstUserSource', 'First user source'],
    ['firstUserMedium', 'First user medium']],
  technology: [['deviceCategory', 'Devices'], ['browser', 'Browsers'], ['operatingSystem', 'Operating systems'],
    ['screenResolution', 'Screen resolutions'], ['language', 'Languages']],
  geography: [['country', 'Countries'], ['region', 'Regions'], ['city', 'Cities']],
  events: [['eventName', 'Events']],
};
const TABLE_METRICS = ['totalUsers', 'sessions', 'screenPageViews', 'eventCount', 'engagementRate'];
const EVENT_METRICS = ['eventCount', 'totalUsers', 'keyEvents'];
const KPIS = [['totalUsers', 'Users'], ['newUsers', 'New users'], ['sessions', 'Sessions'], ['screenPageViews', 'Views'],
  ['engagementRate', 'Engagement rate'], ['userEngagementDuration', 'Engagement time'], ['eventCount', 'Events'], ['keyEvents', 'Key events']];

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
  const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
  if (r.status === 401) { showLogin(); throw new Error('not logged in'); }
  if (accept === 'text/csv') return r;
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((json.error && json.error.message) || ('HTTP ' + r.status));
  return json;
}

function dateRanges() {
  const v = $('range').value;
  const fmt = (d) => d.toISOString().slice(0, 10);
  let start; let end; let days;
  if (v === 'custom') {
    start = $('from').value; end = $('to').value;
    if (!start || !end) return null;
    days = Math.round((new Date(end) - new Date(start)) / 864e5) + 1;
    const prevEnd = new Date(new Date(start) - 864e5);
    const prevStart = new Date(prevEnd - (days - 1) * 864e5);
    return [{ startDate: start, endDate: end }, { startDate: fmt(prevStart), endDate: fmt(prevEnd) }];
  }
  if (v === 'today') return [{ startDate: 'today', endDate: 'today' }, { startDate: 'yesterday', endDate: 'yesterday' }];
  if (v === 'yesterday') return [{ startDate: 'yesterday', endDate: 'yesterday' }, { startDate: '2daysAgo', endDate: '2daysAgo' }];
  days = Number(v);
  return [{ startDate: (days - 1) + 'daysAgo', endDate: 'today' }, { startDate: (2 * days - 1) + 'daysAgo', endDate: days + 'daysAgo' }];
}

function reportBody(dimensions, metrics, opts) {
  const ranges = dateRanges();
  const body = { dateRanges: opts && opts.compare && $('compare').checked ? ranges : [ranges[0]],
    dimensions: dimensions.map((name) => ({ name })), metrics: metrics.map((name) => ({ name })), limit: (opts && opts.limit) || 50 };
  if (state.filter) body.dimensionFilter = { filter: { fieldName: state.filter.name, stringFilter: { matchType: 'EXACT', value: state.filter.value, caseSensitive: true } } };
  if (opts && opts.orderBys) body.orderBys = opts.orderBys;
  return body;
}

const runReport = (body) => api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + ':runReport', body);

function formatMetric(name, v) {
  const n = Number(v);
  if (name === 'engagementRate' || name === 'bounceRate') return (n * 100).toFixed(1) + '%';
  if (name === 'userEngagementDuration' || name === 'averageSessionDuration') {
    const s = Math.round(n); return s >= 3600 ? Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm' : Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  }
  return Number.isInteger(n) ? n.toLocaleString() : n.toFixed(2);
}

function card(title, wide, ...body) {
  return el('section', { class: 'card' + (wide ? ' wide' : '') }, el('h2', {}, title), ...body);
}

function loading(node) { node.replaceChildren(el('p', { class: 'muted' }, 'Loading…')); }

async function renderOverview(main) {
  const kpiBox = el('div', { class: 'kpis' }); const chartBox = el('div', { class: 'chart' });
  main.append(card('Overview', true, kpiBox), card('Users and views by day', true, chartBox));
  renderTable(main, 'sessionDefaultChannelGroup', 'Channels', CHANNEL_METRICS);
  loading(kpiBox);
  const [totals, series] = await Promise.all([
    runReport(reportBody([], KPIS.map((k) => k[0]), { compare: true })),
    runReport(reportBody(['date'], ['totalUsers', 'screenPageViews'], { limit: 400 })),
  ]);
  const byRange = {};
  (totals.rows || []).forEach((r) => { byRange[r.dimensionValues.length ? r.dimensionValues[0].value : 'date_range_0'] = r.metricValues; });
  const cur = byRange.date_range_0; const prev = byRange.date_range_1;
  kpiBox.replaceChildren(...KPIS.map(([name, label], i) => {
    const v = cur ? cur[i].value : 0;
    const delta = el('span', { class: 'delta' });
    if (prev && Number(prev[i].value) > 0) {
      const pct = (Number(v) - Number(prev[i].value)) / Number(prev[i].value) * 100;
      delta.textContent = (pct >= 0 ? '▲ ' : '▼ ') + Math.abs(pct).toFixed(1) + '%';
      delta.className = 'delta ' + (pct >= 0 ? 'up' : 'down');
    }
    return el('div', { class: 'kpi' }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, formatMetric(name, v)), delta);
  }));
  const rows = series.rows || [];
  if (!rows.length) { chartBox.replaceChildren(el('p', { class: 'empty' }, 'No data for this range yet.')); return; }
  const chart = echarts.init(chartBox); state.charts.push(chart);
  chart.setOption({ tooltip: { trigger: 'axis' }, legend: { data: ['Users', 'Views'] }, grid: { left: 40, right: 16, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: rows.map((r) => r.dimensionValues[0].value.replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3')) },
    yAxis: { type: 'value' },
    series: [{ name: 'Users', type: 'line', smooth: true, data: rows.map((r) => Number(r.metricValues[0].value)) },
      { name: 'Views', type: 'line', smooth: true, data: rows.map((r) => Number(r.metricValues[1].value)) }] });
}

// Where sessions come from, by GA4's default channel group (docs/analytics-model.md, "Semantics").
const CHANNEL_METRICS = ['sessions', 'engagementRate', 'newUsers', 'totalUsers'];

async function renderTable(main, dimension, title, metrics) {
  const body = el('div', { class: 'scroll' }); const csv = el('button', { class: 'link', type: 'button' }, 'CSV');
  const section = el('section', { class: 'card' }, el('h2', {}, el('span', {}, title), csv), body);
  main.append(section);
  loading(body);
  const request = reportBody([dimension], metrics, { limit: 25 });
  csv.onclick = () => downloadCsv(request, dimension);
  try {
    const report = await runReport(request);
    if (!report.rows || !report.rows.length) { body.replaceChildren(el('p', { class: 'empty' }, 'No data for this range.')); return; }
    const head = el('tr', {}, el('th', {}, dimension), ...metrics.map((m) => el('th', { class: 'num' }, m)));
    const rows = report.rows.map((r) => {
      const value = r.dimensionValues[0].value;
      const tr = el('tr', { title: 'Filter by ' + dimension + ' = ' + value }, el('td', {}, value),
        ...r.metricValues.map((m, i) => el('td', { class: 'num' }, formatMetric(metrics[i], m.value))));
      tr.onclick = () => { state.filter = { name: dimension, value }; render(); };
      return tr;
    });
    body.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, rows)));
  } catch (e) { body.replaceChildren(el('p', { class: 'error' }, e.message)); }
}

async function downloadCsv(request, name) {
  const r = await api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + ':runReport', { ...request, limit: 100000 }, 'text/csv');
  const url = URL.createObjectURL(await r.blob());
  const a = el('a', { href: url, download: 'beacon-' + state.property + '-' + name + '.csv' });
  document.body.append(a); a.click(); a.remove(); URL.revokeObjectURL(url);
}

function renderRealtime(main) {
  const box = el('div', { class: 'kpis' }); const chartBox = el('div', { class: 'chart' });
  const lists = { topPages: el('div', { class: 'scroll' }), topSources: el('div', { class: 'scroll' }),
    topCountries: el('div', { class: 'scroll' }), topDevices: el('div', { class: 'scroll' }) };
  main.append(card('Right now', true, box), card('Views per minute, last 30 minutes', true, chartBox),
    card('Top pages (views)', false, lists.topPages), card('Top sources (users)', false, lists.topSources),
    card('Top countries (users)', false, lists.topCountries), card('Top devices (users)', false, lists.topDevices));
  box.replaceChildren(el('p', { class: 'muted' }, 'Connecting…'));
  const chart = echarts.init(chartBox); state.charts.push(chart);
  const show = (snap) => {
    box.replaceChildren(
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Active users'), el('div', { class: 'value', id: 'realtime-active' }, snap.activeUsers)),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Views'), el('div', { class: 'value' }, snap.pageViews)),
      el('div', { class: 'kpi' }, el('div', { class: 'label' }, 'Events'), el('div', { class: 'value' }, snap.events)));
    const minutes = snap.minutes || [];
    chart.setOption({ grid: { left: 40, right: 16, top: 10, bottom: 30 }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: minutes.map((m) => '-' + Math.round((snap.asOf - m.minute) / 60000) + 'm') },
      yAxis: { type: 'value', minInterval: 1 }, series: [{ name: 'Views', type: 'bar', data: minutes.map((m) => m.pageViews) }] });
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

async function renderSettings(main) {
  const p = await api('GET', '/api/v1/admin/properties/' + encodeURIComponent(state.property));
  const input = (name, value) => el('input', { type: 'text', name, value: value == null ? '' : String(value) });
  const form = el('form', { class: 'settings' },
    el('label', {}, 'Name', input('name', p.name)),
    el('label', {}, 'Time zone', input('timeZone', p.timeZone)),
    el('label', {}, 'Allowed hostnames (comma-separated)', input('allowedHostnames', (p.allowedHostnames || []).join(', '))),
    el('label', {}, 'Key events (comma-separated)', input('keyEvents', (p.keyEvents || []).join(', '))),
    el('label', {}, 'Retention (days)', input('retentionDays', p.retentionDays)),
    el('label', {}, 'Session timeout (minutes, 5-475)', input('sessionTimeoutMinutes', p.sessionTimeoutMinutes)),
    el('label', {}, 'Engaged session after (seconds, 10-60)', input('engagedSessionSeconds', p.engagedSessionSeconds)),
    el('label', {}, 'Plausible domains (comma-separated)', input('plausibleDomains', (p.plausibleDomains || []).join(', '))),
    el('label', {}, 'Query parameters kept in page URLs (comma-separated; utm_* keeps a prefix, * keeps all, empty strips all)',
      input('keptQueryParams', (p.keptQueryParams || []).join(', '))),
    el('button', { type: 'submit' }, 'Save'), el('p', { class: 'muted', id: 'settings-status' }));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const f = new FormData(form); const list = (k) => String(f.get(k) || '').split(',').map((s) => s.trim()).filter(Boolean);
    try {
      await api('PATCH', '/api/v1/admin/properties/' + encodeURIComponent(state.property), { name: f.get('name'), timeZone: f.get('timeZone'),
        allowedHostnames: list('allowedHostnames'), keyEvents: list('keyEvents'), retentionDays: f.get('retentionDays') ? Number(f.get('retentionDays')) : undefined,
        sessionTimeoutMinutes: f.get('sessionTimeoutMinutes') ? Number(f.get('sessionTimeoutMinutes')) : null,
        engagedSessionSeconds: f.get('engagedSessionSeconds') ? Number(f.get('engagedSessionSeconds')) : null,
        plausibleDomains: list('plausibleDomains'),
        // Sent only when edited: a property on the default list keeps following it.
        ...(list('keptQueryParams').join(',') !== (p.keptQueryParams || []).join(',') ? { keptQueryParams: list('keptQueryParams') } : {}) });
      // Session settings apply to history: past days are being rebuilt.
      $('settings-status').textContent = 'Saved.';
    } catch (e) { $('settings-status').textContent = e.message; }
  };
  main.append(card('Tracking snippet', true, el('pre', { class: 'snippet' }, p.snippet)), card('Property settings', true, form));
}

async function render() {
  state.charts.forEach((c) => c.dispose()); state.charts = [];
  if (state.closeStream) { state.closeStream(); state.closeStream = null; }
  document.querySelectorAll('#tabs a').forEach((a) => a.classList.toggle('active', a.dataset.view === state.view));
  $('filters').replaceChildren(...(state.filter ? [el('span', { class: 'chip' }, state.filter.name + ' = ' + state.filter.value,
    Object.assign(el('button', { type: 'button', 'aria-label': 'Remove filter' }, '×'), { onclick: () => { state.filter = null; render(); } }))] : []));
  const main = $('view'); main.replaceChildren();
  if (!state.property) { main.append(card('No property yet', true, el('p', { class: 'empty' }, 'Create one with bin/beacon property create, or ask an administrator.'))); return; }
  if (!dateRanges()) return;
  try {
    if (state.view === 'overview') await renderOverview(main);
    else if (state.view === 'realtime') renderRealtime(main);
    else if (state.view === 'settings') await renderSettings(main);
    else await Promise.all(VIEWS[state.view].map(([d, t]) => renderTable(main, d, t, state.view === 'events' ? EVENT_METRICS : TABLE_METRICS)));
  } catch (e) { main.append(card('Error', true, el('p', { class: 'error' }, e.message))); }
}

function showLogin() { $('app').hidden = true; $('change-password').hidden = true; $('login').hidden = false; }

// The first login with a one-time password (the bootstrap administrator's, or one an administrator set): the session
// may only change it, so nothing else is shown until then.
function showChangePassword(email) {
  $('app').hidden = true; $('login').hidden = true; $('change-password').hidden = false;
  $('password-user').value = email || '';
  $('password-error').textContent = '';
}

async function start() {
  // Asks without failing when logged out, so a fresh visit logs no error.
  const who = await (await fetch('/api/v1/session', { credentials: 'same-origin' })).json();
  if (!who.email) { showLogin(); return; }
  if (who.passwordChangeRequired) { showChangePassword(who.email); return; }
  $('change-password').hidden = true;
  const list = await api('GET', '/api/v1/admin/properties');
  $('login').hidden = true; $('app').hidden = false;
  $('property').replaceChildren(...list.properties.map((p) => el('option', { value: p.propertyId }, p.name + ' (' + p.propertyId + ')')));
  state.property = list.properties.length ? list.properties[0].propertyId : null;
  render();
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
$('property').onchange = () => { state.property = $('property').value; state.filter = null; render(); };
$('range').onchange = () => { $('custom-range').hidden = $('range').value !== 'custom'; render(); };
$('from').onchange = render; $('to').onchange = render; $('compare').onchange = render;
document.querySelectorAll('#tabs a').forEach((a) => { a.onclick = () => { state.view = a.dataset.view; render(); }; });
window.addEventListener('resize', () => state.charts.forEach((c) => c.resize()));
start().catch(() => showLogin());
