// Explorations over raw hits (issue 21, items 4 and 7): the funnel (:runFunnelReport), retention cohorts (:runReport
// with a cohortSpec) and paths (:runPathReport), each computed by a recompute node. app.js loads this file the first time one of these views
// opens, not with the overview (the dashboard's own files keep their budget, docs/benchmarks.md). A definition lives in
// the URL's hash (viewstate.js PAGE_PARAMS: a funnel is bookmarkable) and runs whenever the view renders with one; a
// new page (paths) is one more entry in EXPLORE, PAGE_PARAMS and the navigation.
'use strict';

const EXPLORE = { funnels: renderFunnels, cohorts: renderCohorts, paths: renderPaths };
const renderExplore = (main, view) => EXPLORE[view](main);

/** The first value of one of the view's URL parameters, or {@code fallback}. */
const param = (name, fallback) => ((state.page[name] || [])[0] ?? fallback);
const percent = (x) => (Number.isFinite(x) ? (x * 100).toFixed(1) + '%' : '–');
const labelled = (text, control) => el('label', {}, text + ' ', control);

function choice(attrs, options, value) {
  const s = el('select', attrs, options.map(([v, t]) => el('option', { value: v }, t)));
  s.value = value;
  return s;
}

/** The answer, or the API's message (a 400 naming its field, a 429 saying when to retry) in {@code out}. */
async function explore(out, action, body) {
  loading(out);
  try {
    return await api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + action, body);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert', 'data-field': e.field || '' }, e.message));
    return null;
  }
}

function csvButton(out, body, name, action, range) {
  const b = el('button', { type: 'button', class: 'link csv', title: 'Download this table as CSV' }, 'CSV');
  b.onclick = () => downloadCsv(body, name, action, range).catch((e) => out.prepend(el('p', { class: 'error' }, e.message)));
  return b;
}

/** A bar (or, with {@code line}, a line) chart of {@code values} over category {@code labels}. */
function categoryChart(box, labels, values, name, format, line) {
  const x = categoryX(labels); const y = valueY(format);
  const series = line ? { label: name, stroke: CHART_COLORS.line, width: 2, value: y.value }
    : { label: name, stroke: CHART_COLORS.line, width: 0, fill: CHART_COLORS.line, value: y.value,
      paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } };
  state.charts.push(mountChart(box, { cursor: CHART_CURSOR, scales: { x: x.scale, y: y.scale }, axes: [x.axis, y.axis],
    series: [{ label: line ? 'Period' : 'Step', value: x.value }, series] }, [labels.map((l, i) => i), values]));
}

// --- Funnels -------------------------------------------------------------------------------------------------------

/** A step as the hash holds it ("e:sign_up" an event, "p:/pricing" a page view of that path) into GA4's filter. */
function stepFilter(step) {
  const value = step.slice(2);
  if (!step.startsWith('p:')) return { funnelEventFilter: { eventName: value } };
  return { andGroup: { expressions: [{ funnelEventFilter: { eventName: 'page_view' } },
    { funnelFieldFilter: { fieldName: 'pagePath', stringFilter: { matchType: 'EXACT', value, caseSensitive: true } } }] } };
}

const BREAKDOWNS = [['', 'No breakdown'], ['deviceCategory', 'Device category'], ['country', 'Country'],
  ['sessionDefaultChannelGroup', 'Channel'], ['sessionSource', 'Source'], ['browser', 'Browser']];

async function renderFunnels(main) {
  const list = el('ol', { id: 'funnel-steps' });
  const rows = () => [...list.children].map((li) => li.querySelector('select').value + ':' + li.querySelector('input').value.trim());
  const draw = (steps) => {
    list.replaceChildren(...steps.map((s, i) => {
      const input = el('input', { type: 'text', maxlength: '200', 'aria-label': 'Step ' + (i + 1),
        placeholder: s.startsWith('p:') ? '/pricing' : 'sign_up' });
      input.value = s.slice(2);
      const kind = choice({ 'aria-label': 'Step ' + (i + 1) + ' is' }, [['e', 'Event'], ['p', 'Page path']], s[0]);
      const remove = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove step ' + (i + 1) }, '×');
      remove.disabled = steps.length <= 2;
      remove.onclick = () => { const now = rows(); now.splice(i, 1); draw(now); };
      return el('li', {}, kind, input, remove);
    }));
    add.disabled = steps.length >= 10;
  };
  const add = el('button', { type: 'button', class: 'secondary', id: 'funnel-add' }, 'Add step');
  add.onclick = () => draw(rows().concat(['e:']));
  const open = el('input', { type: 'checkbox', id: 'funnel-open' });
  open.checked = param('open') === '1';
  const scope = choice({ id: 'funnel-scope' }, [['range', 'in the date range'], ['session', 'in one session'], ['days', 'within days:']],
    param('scope', 'range'));
  const days = el('input', { type: 'number', id: 'funnel-days', min: '1', max: '90', 'aria-label': 'Days' });
  days.value = param('days', '7');
  days.hidden = scope.value !== 'days';
  scope.onchange = () => { days.hidden = scope.value !== 'days'; };
  const by = choice({ id: 'funnel-by' }, BREAKDOWNS, param('by', ''));
  const note = el('p', { class: 'error', role: 'alert' });
  const form = el('form', { id: 'funnel-form', class: 'explore-form' }, list, add, labelled('Open funnel', open),
    labelled('Every step', scope), days, labelled('Breakdown', by), el('button', { type: 'submit' }, 'Run funnel'), note);
  const saved = state.page.step || [];
  draw(saved.length >= 2 ? saved : ['e:page_view', 'e:']);
  const out = el('div', { id: 'funnel-result' });
  main.append(card('Funnel', true, el('p', { class: 'muted small' }, 'Persons (client ids) who reached each step in order,'
    + ' from raw hits (bots left out; exact). In an open funnel a person may enter at any step.'), form, out));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const steps = rows().filter((s) => s.length > 2);
    if (steps.length < 2) { note.textContent = 'Name at least two steps.'; return; }
    Object.assign(state.page, { step: steps, open: [open.checked ? '1' : '0'], scope: [scope.value], days: [days.value], by: [by.value] });
    go();
  };
  if (saved.length >= 2) await runFunnel(out, saved, list);
}

async function runFunnel(out, steps, list) {
  const funnel = { isOpenFunnel: param('open') === '1', steps: steps.map((s) => ({ name: s.slice(2), filterExpression: stepFilter(s) })) };
  if (param('scope') === 'session') funnel.withinSession = true;
  if (param('scope') === 'days') funnel.withinDays = Number(param('days', 7));
  const body = { dateRanges: [periods()[0]], funnel };
  const by = param('by', '');
  if (by) body.funnelBreakdown = { breakdownDimension: { name: by } };
  const answer = await explore(out, ':runFunnelReport', body);
  if (!answer) {
    // A 400 on a step ("funnel.steps[1]...") marks that step's field.
    const m = /^funnel\.steps\[(\d+)\]/.exec(out.querySelector('[data-field]').dataset.field);
    const bad = m && list.children[Number(m[1])];
    if (bad) bad.querySelector('input').setAttribute('aria-invalid', 'true');
    return;
  }
  const t = answer.funnelTable;
  // Conversion is from the first step of the same breakdown value (the total's for the total rows).
  const first = {};
  const table = t.rows.map((r) => {
    const [step, value] = r.dimensionValues.map((d) => d.value);
    const [users, completion, drops, dropRate, median] = r.metricValues.map((m) => Number(m.value));
    if (!(value in first)) first[value] = users;
    return [step, ...(by ? [value === 'RESERVED_TOTAL' ? 'Total' : value] : []), users.toLocaleString(),
      percent(users / first[value]), percent(completion), drops.toLocaleString(), percent(dropRate), formatMetric('averageSessionDuration', median)];
  });
  const head = ['Step', ...(by ? [uiName(by)] : []), 'Users', 'Conversion', 'Completion rate', 'Drop-off', 'Drop-off rate', 'Median time from prior step'];
  const viz = answer.funnelVisualization.rows;
  const top = Number((viz[0] || { metricValues: [{ value: 0 }] }).metricValues[0].value);
  const chart = el('div', { class: 'chart', 'aria-hidden': 'true' });
  out.replaceChildren(el('h3', {}, 'Users per step ', csvButton(out, body, 'funnel', ':runFunnelReport', body.dateRanges[0])), chart,
    dataTable('funnel-table', head, table));
  categoryChart(chart, viz.map((r) => r.dimensionValues[0].value + ' · ' + percent(Number(r.metricValues[0].value) / top)),
    viz.map((r) => Number(r.metricValues[0].value)), 'Users');
}

/**
 * A table in a box that scrolls sideways on a narrow screen: the box takes the keyboard's focus (the table has
 * nothing focusable), so it scrolls without a mouse too.
 */
const scrollBox = (name, table) => el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': name }, table);

/** A table with a header row; every column but the first right-aligned (numbers). */
function dataTable(id, head, rows, name = 'Funnel table') {
  return scrollBox(name, el('table', { id },
    el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: i ? 'num' : '' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => (i ? el('td', { class: 'num' }, c) : el('th', { scope: 'row' }, c))))))));
}

// --- Retention cohorts ---------------------------------------------------------------------------------------------

const GRAINS = { day: ['DAILY', 'cohortNthDay', 'Day'], week: ['WEEKLY', 'cohortNthWeek', 'Week'], month: ['MONTHLY', 'cohortNthMonth', 'Month'] };

/** The first day of the period {@code n} periods after the one holding {@code day} (weeks Sunday to Saturday, as the API's). */
function periodStart(day, grain, n) {
  const d = new Date(Days.parse(day));
  if (grain === 'month') return Days.format(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
  return Days.add(day, grain === 'week' ? 7 * n - d.getUTCDay() : n);
}

async function renderCohorts(main) {
  const grain = choice({ id: 'cohort-grain' }, [['day', 'Days'], ['week', 'Weeks'], ['month', 'Months']], param('grain', 'day'));
  const count = el('input', { type: 'number', id: 'cohort-count', min: '2', max: '30' });
  count.value = param('count', '7');
  const ret = el('input', { type: 'text', id: 'cohort-return', maxlength: '100', placeholder: 'any event' });
  ret.value = param('ret', '');
  const form = el('form', { id: 'cohort-form', class: 'explore-form' }, labelled('Cohorts by', grain), labelled('Number of cohorts', count),
    labelled('Returning on event', ret), el('button', { type: 'submit' }, 'Show cohorts'));
  const out = el('div', { id: 'cohort-result' });
  main.append(card('Retention cohorts', true, el('p', { class: 'muted small' }, 'Persons by the period of their first visit'
    + ' (the last cohort holds the date range\u2019s end), and the share of them active in each period after it, from raw'
    + ' hits (bots left out; exact).'), form, out));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    Object.assign(state.page, { grain: [grain.value], count: [count.value], ret: [ret.value.trim()] });
    go();
  };
  const g = GRAINS[grain.value] ? grain.value : 'day';
  const n = Math.min(30, Math.max(2, Number(count.value) || 7));
  const end = periods()[0].endDate;
  const cohorts = [];
  for (let i = n - 1; i >= 0; i--) {
    const startDate = periodStart(end, g, -i);
    cohorts.push({ name: startDate, dimension: 'firstSessionDate', dateRange: { startDate, endDate: Days.add(periodStart(startDate, g, 1), -1) } });
  }
  const [granularity, nth, unit] = GRAINS[g];
  const body = { dimensions: [{ name: 'cohort' }, { name: nth }], metrics: [{ name: 'cohortActiveUsers' }, { name: 'cohortTotalUsers' }],
    keepEmptyRows: true, cohortSpec: { cohorts, cohortsRange: { granularity, startOffset: 0, endOffset: n - 1 } } };
  if (ret.value.trim()) body.cohortSpec.returnOn = { funnelEventFilter: { eventName: ret.value.trim() } };
  const answer = await explore(out, ':runReport', body);
  if (!answer) return;
  const cell = {}; const total = {};
  (answer.rows || []).forEach((r) => {
    const [c, k] = r.dimensionValues.map((d) => d.value);
    cell[c + '|' + Number(k)] = Number(r.metricValues[0].value);
    total[c] = Number(r.metricValues[1].value);
  });
  // The triangle: cohort i (oldest first) has had n - i periods up to the range's end.
  const curve = [];
  for (let k = 0; k < n; k++) {
    let active = 0; let all = 0;
    cohorts.slice(0, n - k).forEach((c) => { active += cell[c.name + '|' + k] || 0; all += total[c.name] || 0; });
    curve.push(all ? (active * 100) / all : null);
  }
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Cohort'), el('th', { scope: 'col', class: 'num' }, 'Users'),
    curve.map((v, k) => el('th', { scope: 'col', class: 'num' }, unit + ' ' + k)));
  const rows = cohorts.map((c, i) => el('tr', {}, el('th', { scope: 'row' }, c.name), el('td', { class: 'num' }, (total[c.name] || 0).toLocaleString()),
    curve.slice(0, n - i).map((v, k) => {
      const active = cell[c.name + '|' + k] || 0; const share = total[c.name] ? active / total[c.name] : NaN;
      const td = el('td', { class: 'num cell', title: active + ' of ' + (total[c.name] || 0) }, percent(share));
      // Lighter for fewer: from near white to a light blue at 100%, where the dark text still reads (contrast >= 5:1).
      if (Number.isFinite(share)) td.style.background = 'hsl(225, 80%, ' + (97 - 27 * share).toFixed(1) + '%)';
      return td;
    })));
  const chart = el('div', { class: 'chart', 'aria-hidden': 'true' });
  const range = { startDate: cohorts[0].dateRange.startDate, endDate: end };
  out.replaceChildren(el('h3', {}, 'Share of each cohort active ', csvButton(out, body, 'cohorts', ':runReport', range)),
    scrollBox('Cohort table', el('table', { id: 'cohort-table', class: 'cohorts' }, el('thead', {}, head), el('tbody', {}, rows))),
    el('h3', {}, 'Retention curve (all cohorts)'), chart);
  categoryChart(chart, curve.map((v, k) => unit + ' ' + k), curve, 'Active', 'percent', true);
}

// --- Paths ---------------------------------------------------------------------------------------------------------

/**
 * A cell as a spreadsheet reads it safely: quoted (RFC 4180), and one starting with = + - @ or a control character
 * prefixed with ' so it is not run as a formula (the API's CSV defuses the same way; paths have no CSV of their own).
 */
const csvCell = (v) => '"' + (/^[=+\-@\t\r]/.test(String(v)) ? "'" : '') + String(v).replace(/"/g, '""') + '"';

async function renderPaths(main) {
  const kind = choice({ id: 'path-kind', 'aria-label': 'Start is' }, [['p', 'Page path'], ['e', 'Event']], param('kind', 'p'));
  const start = el('input', { type: 'text', id: 'path-start', maxlength: '200', 'aria-label': 'Start', placeholder: '/pricing' });
  start.value = param('start', '');
  const dir = choice({ id: 'path-dir' }, [['forward', 'What came after'], ['backward', 'What led to it']], param('dir', 'forward'));
  const type = choice({ id: 'path-type' }, [['pagePath', 'a page path'], ['eventName', 'an event name']], param('type', 'pagePath'));
  const steps = el('input', { type: 'number', id: 'path-steps', min: '1', max: '5' });
  steps.value = param('steps', '3');
  const top = el('input', { type: 'number', id: 'path-top', min: '1', max: '20' });
  top.value = param('top', '5');
  const note = el('p', { class: 'error', role: 'alert' });
  const form = el('form', { id: 'path-form', class: 'explore-form' }, kind, start, labelled('Show', dir), labelled('Each step is', type),
    labelled('Steps', steps), labelled('Top per step', top), el('button', { type: 'submit' }, 'Run paths'), note);
  const out = el('div', { id: 'path-result' });
  main.append(card('Paths', true, el('p', { class: 'muted small' }, 'Sessions from their first start event on, step by step'
    + ' (repeats collapsed; the rest of a step folded into (other)), from raw hits (bots left out; exact).'), form, out));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    if (!start.value.trim()) { note.textContent = 'Name a start.'; return; }
    Object.assign(state.page, { kind: [kind.value], start: [start.value.trim()], dir: [dir.value], type: [type.value],
      steps: [steps.value], top: [top.value] });
    go();
  };
  if (!param('start', '')) return;
  const value = param('start');
  const body = { dateRange: periods()[0], direction: dir.value, nodeType: type.value,
    start: kind.value === 'p' ? { eventName: 'page_view', pagePath: value } : { eventName: value },
    steps: Number(steps.value), topPerStep: Number(top.value) };
  const answer = await explore(out, ':runPathReport', body);
  if (!answer) return;
  const head = ['Step', 'From', 'To', 'Sessions'];
  const rows = answer.links.map((l) => [l.fromStep + ' → ' + (l.fromStep + 1), l.from, l.to, l.sessions]);
  const csv = el('button', { type: 'button', class: 'link csv', title: 'Download this table as CSV' }, 'CSV');
  csv.onclick = () => {
    const text = [['fromStep', 'from', 'to', 'sessions'], ...answer.links.map((l) => [l.fromStep, l.from, l.to, l.sessions])]
      .map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = el('a', { href: url, download: 'beacon-' + state.property + '-paths-' + body.dateRange.startDate + '-' + body.dateRange.endDate + '.csv' });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const m = answer.metadata || {};
  out.replaceChildren(el('p', { class: 'muted small' }, (m.sessions ?? 0).toLocaleString() + ' sessions of ' + (m.persons ?? 0).toLocaleString()
    + ' persons held the start.'), pathDiagram(answer, body.steps, body.direction === 'backward'),
  el('h3', {}, 'Links between steps ', csv), dataTable('path-table', head, rows.map((r) => [r[0], r[1], r[2], r[3].toLocaleString()]), 'Path table'));
}

/**
 * The paths as columns of boxes (one column a step, a box's height its sessions) joined by bands as wide as the
 * sessions that went from one box to the next: SVG built element by element (the CSP allows no markup strings).
 * Backward, step 0 is the rightmost column. Hidden from screen readers: the table says the same.
 */
function pathDiagram(answer, steps, backward) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs, ...kids) => {
    const e = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
    e.append(...kids);
    return e;
  };
  const COL = 200; const BOX = 12; const GAP = 18; const H = 360; const W = steps * COL + 160;
  const byStep = [];
  for (let s = 0; s <= steps; s++) byStep.push([]);
  answer.nodes.forEach((n) => byStep[n.step] && byStep[n.step].push(n));
  // One scale for every column: the fullest one (its boxes and their gaps) fills the height.
  const scale = Math.min(...byStep.map((ns) => (H - GAP * (ns.length - 1)) / Math.max(1, ns.reduce((a, n) => a + n.sessions, 0))));
  const at = {};
  const g = svg('g', {});
  const links = svg('g', { fill: 'none', stroke: CHART_COLORS.line, 'stroke-opacity': '0.25' });
  g.append(links);
  byStep.forEach((ns, step) => {
    let y = 0;
    const x = (backward ? steps - step : step) * COL + 10;
    ns.forEach((n) => {
      const h = Math.max(2, n.sessions * scale);
      at[step + '|' + n.value] = { x, y, out: y, in: y };
      g.append(svg('rect', { x, y, width: BOX, height: h, fill: CHART_COLORS.line }),
        svg('text', { x: x + BOX + 4, y: y + Math.min(h, 24) / 2 + 5, 'font-size': '12', fill: '#1d2330' },
          (n.value.length > 24 ? n.value.slice(0, 23) + '…' : n.value) + ' · ' + n.sessions));
      y += h + GAP;
    });
  });
  answer.links.forEach((l) => {
    const a = at[l.fromStep + '|' + l.from]; const b = at[(l.fromStep + 1) + '|' + l.to];
    if (!a || !b) return;
    const w = Math.max(1, l.sessions * scale);
    const x1 = backward ? a.x : a.x + BOX; const x2 = backward ? b.x + BOX : b.x;
    const y1 = a.out + w / 2; const y2 = b.in + w / 2;
    a.out += w; b.in += w;
    const mid = (x1 + x2) / 2;
    links.append(svg('path', { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, 'stroke-width': w.toFixed(1) }));
  });
  const heads = svg('g', { 'font-size': '12', fill: '#667085' });
  for (let s = 0; s <= steps; s++) heads.append(svg('text', { x: (backward ? steps - s : s) * COL + 10, y: 12 }, s ? 'Step ' + s : 'Start'));
  g.setAttribute('transform', 'translate(0, 24)');
  // At its own size, shrunk to the card's width (app.css .paths): the whole diagram in view on a phone too, the table for the detail.
  return el('div', { class: 'paths', 'aria-hidden': 'true' }, svg('svg', { viewBox: `0 0 ${W} ${H + 30}`, width: String(W), height: String(H + 30), id: 'path-diagram' }, heads, g));
}
