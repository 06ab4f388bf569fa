// The Overview as one screen (issue 20, part 2): KPIs with deltas against the previous period, a main chart of the
// chosen KPI with every day (or hour) of the range plotted, zero where there is no data, and top lists whose rows
// filter the whole dashboard. Loaded before app.js and called from its render(); uses app.js's helpers at call time.
'use strict';

/**
 * The KPIs, GA4's way: ratios and averages are computed from their parts for the whole period, never summed over days:
 * engagement time is the average per active user (userEngagementDuration / activeUsers), views per session is
 * screenPageViews / sessions (docs/analytics-model.md).
 */
const OVERVIEW_KPIS = [
  { id: 'totalUsers', label: 'Users', value: (m) => m.totalUsers },
  { id: 'newUsers', label: 'New users', value: (m) => m.newUsers },
  { id: 'sessions', label: 'Sessions', value: (m) => m.sessions },
  { id: 'screenPageViews', label: 'Views', value: (m) => m.screenPageViews },
  { id: 'viewsPerSession', label: 'Views per session', format: 'ratio', value: (m) => (m.sessions ? m.screenPageViews / m.sessions : 0) },
  { id: 'engagementRate', label: 'Engagement rate', format: 'percent', value: (m) => (m.sessions ? m.engagedSessions / m.sessions : 0) },
  { id: 'engagementPerUser', label: 'Avg. engagement time', format: 'duration',
    title: 'Engagement time per active user', value: (m) => (m.activeUsers ? m.userEngagementDuration / m.activeUsers : 0) },
  { id: 'eventCount', label: 'Events', value: (m) => m.eventCount },
  { id: 'keyEvents', label: 'Key events', value: (m) => m.keyEvents },
];
const OVERVIEW_METRICS = ['totalUsers', 'newUsers', 'sessions', 'screenPageViews', 'engagedSessions', 'userEngagementDuration',
  'activeUsers', 'eventCount', 'keyEvents'];

/**
 * The top lists, Plausible-style: a card per subject, a tab per list. Each tab: [label, dimension, metric, metric
 * label]. The API has no exit-page dimension yet, so Pages offers top and entry (landing) pages only.
 */
const TOP_CARDS = [
  { id: 'pages', title: 'Pages', tabs: [['Top pages', 'pagePath', 'screenPageViews', 'Views'], ['Entry pages', 'landingPage', 'sessions', 'Sessions']],
    note: 'Exit pages are not shown: the reporting API has no exit-page dimension yet.' },
  { id: 'sources', title: 'Sources', tabs: [['Sources', 'sessionSource', 'sessions', 'Sessions'], ['Channels', 'sessionDefaultChannelGroup', 'sessions', 'Sessions'],
    ['Campaigns', 'sessionCampaignName', 'sessions', 'Sessions']] },
  { id: 'locations', title: 'Locations', tabs: [['Countries', 'country', 'totalUsers', 'Users'], ['Regions', 'region', 'totalUsers', 'Users'],
    ['Cities', 'city', 'totalUsers', 'Users']] },
  { id: 'devices', title: 'Devices', tabs: [['Devices', 'deviceCategory', 'totalUsers', 'Users'], ['Browsers', 'browser', 'totalUsers', 'Users'],
    ['Operating systems', 'operatingSystem', 'totalUsers', 'Users']] },
  { id: 'events', title: 'Events', tabs: [['Events', 'eventName', 'eventCount', 'Events'], ['Key events', 'eventName', 'keyEvents', 'Key events']] },
];
/** The tab shown per card, kept while the dashboard is open. */
const topTabs = {};

/** Whole numbers as en-US writes them; made once, where toLocaleString('en-US') makes one per call (a year: 365 rows). */
const WHOLE_NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatKpi(kpi, v) {
  const n = Number(v) || 0;
  if (kpi.format === 'percent') return (n * 100).toFixed(1) + '%';
  if (kpi.format === 'ratio') return n.toFixed(2);
  if (kpi.format === 'duration') return formatMetric('userEngagementDuration', n);
  return WHOLE_NUMBER.format(Math.round(n));
}

/** The change from {@code prev} to {@code cur}: a signed percentage, "new" when there was nothing before. */
function kpiDelta(cur, prev) {
  if (!prev) return cur ? { text: '▲ new', cls: 'up' } : { text: '0%', cls: 'flat' };
  const pct = (cur - prev) / prev * 100;
  if (Math.abs(pct) < 0.05) return { text: '0%', cls: 'flat' };
  return { text: (pct > 0 ? '▲ ' : '▼ ') + Math.abs(pct).toFixed(1) + '%', cls: pct > 0 ? 'up' : 'down' };
}

/** Metric values of a report row by name, numbers. */
function metricsOf(report, row) {
  const m = {};
  report.metricHeaders.forEach((h, i) => { m[h.name] = row ? Number(row.metricValues[i].value) : 0; });
  return m;
}

function overviewRequest(dimensions, metrics, ranges, extra) {
  const body = { dateRanges: ranges, dimensions: dimensions.map((name) => ({ name })), metrics: metrics.map((name) => ({ name })),
    limit: (extra && extra.limit) || 10000 };
  const filter = filterExpression();
  if (filter) body.dimensionFilter = filter;
  if (extra && extra.orderBys) body.orderBys = extra.orderBys;
  return body;
}

async function renderOverview(main) {
  const ranges = periods();
  const kpiBox = el('div', { class: 'kpis', role: 'group', 'aria-label': 'Key figures; pick one to chart it' });
  const chartBox = el('div', { class: 'chart' });
  const chartTable = el('table', { class: 'sr-only', id: 'chart-data' });
  const chartTitle = el('span', {}, 'Chart');
  const compareNote = el('span', { class: 'muted small' }, state.compare
    ? 'vs ' + ranges[1].startDate + ' – ' + ranges[1].endDate : '');
  main.append(el('section', { class: 'card wide' }, el('h2', {}, el('span', {}, 'Overview ', el('span', { class: 'muted small' },
    ranges[0].startDate + ' – ' + ranges[0].endDate)), compareNote), kpiBox),
  el('section', { class: 'card wide' }, el('h2', {}, chartTitle), chartBox, chartTable));
  loading(kpiBox);
  if (!OVERVIEW_KPIS.some((k) => k.id === state.metric)) state.metric = 'totalUsers';
  const hourly = ranges[0].startDate === ranges[0].endDate;
  const timeDim = hourly ? 'dateHour' : 'date';
  // Every call of the overview at once, three requests in all (with the metadata, four of the browser's 6
  // connections to the host): its 3 reports in one batch, the annotations, and the 5 top lists in a second batch.
  const answers = runReports([overviewRequest([], OVERVIEW_METRICS, state.compare ? ranges : [ranges[0]]),
    overviewRequest([timeDim], OVERVIEW_METRICS, [ranges[0]])]
    .concat(state.compare ? [overviewRequest([timeDim], OVERVIEW_METRICS, [ranges[1]])] : []));
  // Annotations of the period: a chart without them is still a chart, so it is drawn without waiting for them (the
  // annotations' read took up to 170 ms longer than the reports' in bin/bench-dashboard) and marked once they are in.
  const annotations = api('GET', '/api/v1/properties/' + encodeURIComponent(state.property) + '/annotations?startDate='
    + ranges[0].startDate + '&endDate=' + ranges[0].endDate).then((r) => r.annotations || [], () => []);
  const tops = runReports(TOP_CARDS.map((c) => topRequest(c.tabs[topTabs[c.id] || 0])));
  // Settled here too, so a failed batch is not an unhandled rejection before the cards show its error.
  tops.catch(() => {});
  TOP_CARDS.forEach((c, i) => main.append(topCard(c, tops.then((reports) => reports[i]))));
  const [totals, series, prevSeries] = await answers;
  // With two ranges every row carries its range (date_range_0, date_range_1); a range without data has no row.
  const rowOf = (name) => (totals.rows || []).find((r) => (r.dimensionValues.length ? r.dimensionValues[0].value : 'date_range_0') === name);
  const cur = metricsOf(totals, rowOf('date_range_0'));
  const prev = state.compare ? metricsOf(totals, rowOf('date_range_1')) : null;
  kpiBox.replaceChildren(...OVERVIEW_KPIS.map((k) => {
    const v = k.value(cur);
    const tile = el('button', { type: 'button', class: 'kpi' + (k.id === state.metric ? ' selected' : ''), 'data-kpi': k.id,
      'aria-pressed': String(k.id === state.metric), title: k.title || k.label },
    el('span', { class: 'label' }, k.label), el('span', { class: 'value' }, formatKpi(k, v)));
    if (prev) {
      const p = k.value(prev); const d = kpiDelta(v, p);
      tile.append(el('span', { class: 'delta ' + d.cls, title: 'Previous period: ' + formatKpi(k, p) }, d.text));
    }
    tile.onclick = () => { state.metric = k.id; go(); };
    return tile;
  }));
  const kpi = OVERVIEW_KPIS.find((k) => k.id === state.metric);
  chartTitle.textContent = kpi.label + (hourly ? ' by hour' : ' by day');
  const mark = drawOverviewChart(chartBox, chartTable, kpi, timeDim, ranges, series, prevSeries);
  const notes = await annotations;
  // A newer render has replaced this chart meanwhile: nothing to mark.
  if (!chartBox.isConnected || !notes.length) return;
  mark(notes);
  chartBox.after(el('ul', { class: 'annotations', id: 'chart-annotations', 'aria-label': 'Annotations' },
    notes.map((a) => el('li', { title: a.description || '' }, el('span', { class: 'muted' }, a.date + ' '), a.title))));
}

/** The time keys of a period, every one of them: YYYYMMDD per day, or YYYYMMDDHH per hour of a one-day range. */
function timeKeys(range, hourly) {
  const keys = [];
  for (let d = range.startDate; d <= range.endDate; d = Days.add(d, 1)) {
    const day = d.replace(/-/g, '');
    if (hourly) for (let h = 0; h < 24; h++) keys.push(day + String(h).padStart(2, '0'));
    else keys.push(day);
  }
  return keys;
}

/** The KPI per time key of a period; a key without a row is 0. */
function seriesOf(report, kpi, range, hourly) {
  const byKey = {};
  (report && report.rows ? report.rows : []).forEach((r) => { byKey[r.dimensionValues[0].value] = metricsOf(report, r); });
  const zero = metricsOf(report || { metricHeaders: [] }, null);
  return timeKeys(range, hourly).map((key) => {
    const v = kpi.value(byKey[key] || zero);
    return { key, value: Number.isFinite(v) ? v : 0 };
  });
}

/** Draws the chart and its screen-reader table; answers a function that adds the annotations' lines to it. */
function drawOverviewChart(box, table, kpi, timeDim, ranges, series, prevSeries) {
  const hourly = timeDim === 'dateHour';
  const cur = seriesOf(series, kpi, ranges[0], hourly);
  const prev = prevSeries ? seriesOf(prevSeries, kpi, ranges[1], hourly) : null;
  const label = (key) => (hourly ? key.slice(8, 10) + ':00' : key.slice(0, 4) + '-' + key.slice(4, 6) + '-' + key.slice(6, 8));
  const scale = kpi.format === 'percent' ? 100 : 1;
  const round = (v) => Math.round(v * scale * 100) / 100;
  const x = categoryX(cur.map((p) => label(p.key)));
  const y = valueY(kpi.format);
  // Annotations as vertical lines on their day (on an hourly chart of that day: at its start), added once they are in.
  const marks = [];
  const data = [cur.map((p, i) => i), cur.map((p) => round(p.value))].concat(prev ? [prev.map((p) => round(p.value))] : []);
  const chart = mountChart(box, {
    cursor: CHART_CURSOR, scales: { x: x.scale, y: y.scale }, axes: [x.axis, y.axis],
    // The legend names the series and, under the cursor, shows the day's values.
    series: [{ label: hourly ? 'Hour' : 'Date', value: x.value },
      { label: 'This period', stroke: CHART_COLORS.line, width: 2, fill: CHART_COLORS.area, value: y.value, points: { size: 5 } }]
      .concat(prev ? [{ label: 'Previous period', stroke: CHART_COLORS.previous, width: 1.5, dash: [6, 4], value: y.value,
        points: { size: 4 } }] : []),
    hooks: { draw: [verticalMarks(marks)] },
  }, data);
  state.charts.push(chart);
  // The same points as text, for screen readers (and for a test to read what the chart plots).
  table.replaceChildren(el('caption', {}, kpi.label + (hourly ? ' by hour' : ' by day')),
    el('thead', {}, el('tr', {}, el('th', {}, hourly ? 'Hour' : 'Date'), el('th', {}, kpi.label))),
    el('tbody', {}, cur.map((p) => el('tr', {}, el('td', {}, hourly ? p.key.slice(0, 4) + '-' + p.key.slice(4, 6) + '-' + p.key.slice(6, 8) + ' ' + label(p.key)
      : label(p.key)), el('td', {}, formatKpi(kpi, p.value))))));
  return (notes) => {
    marks.push(...notes.map((a) => ({ x: hourly ? 0 : cur.findIndex((p) => label(p.key) === a.date), label: a.title }))
      .filter((m) => m.x >= 0));
    if (marks.length) chart.plot.redraw(false);
  };
}

/**
 * A top-list card: tabs, and the rows of the chosen tab, each a filter for the whole dashboard. {@code first}: the
 * pending report of the tab shown first (asked for in the overview's batch); a tab picked later asks on its own.
 */
function topCard(c, first) {
  const body = el('div', { class: 'toplist' });
  const tabBar = el('span', { class: 'tabs', role: 'tablist' });
  const section = el('section', { class: 'card top', 'data-card': c.id }, el('h2', {}, el('span', {}, c.title), tabBar), body);
  if (c.note) section.append(el('p', { class: 'muted small' }, c.note));
  const show = (i) => {
    topTabs[c.id] = i;
    tabBar.replaceChildren(...c.tabs.map((t, j) => {
      const b = el('button', { type: 'button', role: 'tab', class: 'tab' + (j === i ? ' active' : ''), 'aria-selected': String(j === i) }, t[0]);
      b.onclick = () => show(j);
      return b;
    }));
    loadTopList(body, c.tabs[i], first);
    first = null;
  };
  show(topTabs[c.id] || 0);
  return section;
}

/** The report of a top list's tab: its 10 first rows, the largest first. */
function topRequest([, dimension, metric]) {
  return overviewRequest([dimension], [metric], [periods()[0]], { limit: 10, orderBys: [{ metric: { metricName: metric }, desc: true }] });
}

async function loadTopList(body, tab, pending) {
  const [label, dimension, metric, metricLabel] = tab;
  loading(body);
  try {
    const report = await (pending || runReport(topRequest(tab)));
    // Key events: only the events that are key events (the others count 0).
    const rows = (report.rows || []).filter((r) => Number(r.metricValues[0].value) > 0);
    if (!rows.length) { body.replaceChildren(el('p', { class: 'empty' }, 'No data for this range.')); return; }
    const max = Math.max(...rows.map((r) => Number(r.metricValues[0].value)));
    const head = el('tr', {}, el('th', {}, label), el('th', { class: 'num' }, metricLabel));
    body.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, rows.map((r) => {
      const value = r.dimensionValues[0].value; const n = Number(r.metricValues[0].value);
      const bar = el('span', { class: 'bar' }); bar.style.width = (100 * n / max).toFixed(1) + '%';
      const tr = el('tr', { tabindex: '0', title: 'Filter the dashboard by ' + label.toLowerCase() + ' = ' + value },
        el('td', { class: 'name' }, bar, el('span', {}, value)), el('td', { class: 'num' }, formatMetric(metric, n)));
      onActivate(tr, () => addFilter(dimension, value));
      return tr;
    }))));
  } catch (e) { body.replaceChildren(el('p', { class: 'error' }, e.message)); }
}
