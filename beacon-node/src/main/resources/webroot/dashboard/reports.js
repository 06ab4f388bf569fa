// The report tabs (issue 20, part 3): one table per dimension, with GA4's UI names for the columns (the metadata
// endpoint's uiName), columns sorted on click (by the API, so a sort is over all rows, not the 25 shown), a CSV
// download of exactly the table's request, and a click on a row filtering the whole dashboard by it. Loaded before
// app.js and called from its render().
'use strict';

const REPORT_VIEWS = {
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
const REPORT_METRICS = ['totalUsers', 'sessions', 'screenPageViews', 'eventCount', 'engagementRate'];
const REPORT_EVENT_METRICS = ['eventCount', 'totalUsers', 'keyEvents'];

/** uiName by apiName, per property (GET .../metadata), fetched once. */
const uiNames = {};
/** The metadata call per property while it runs: a second caller (start(), then a reports view) waits for the same. */
const labelLoads = {};

function labelsFor(property) {
  if (uiNames[property]) return Promise.resolve(uiNames[property]);
  if (!labelLoads[property]) {
    labelLoads[property] = (async () => {
      const names = {};
      try {
        const meta = await api('GET', '/api/v1/properties/' + encodeURIComponent(property) + '/metadata');
        (meta.dimensions || []).concat(meta.metrics || []).forEach((d) => { names[d.apiName] = d.uiName || d.apiName; });
      } catch (e) {
        // Without labels the API names are shown: the tables still work.
      }
      uiNames[property] = names;
      delete labelLoads[property];
      return names;
    })();
  }
  return labelLoads[property];
}

const uiName = (apiName) => (uiNames[state.property] || {})[apiName] || apiName;

/** Sort per table (dimension): {name, metric, desc}; the default is the first metric, descending (as the API's). */
const reportSorts = {};

async function renderReports(main, view) {
  const render = main.dataset.render;
  await labelsFor(state.property);
  if (main.dataset.render !== render) return;
  main.classList.add('reports');
  const metrics = view === 'events' ? REPORT_EVENT_METRICS : REPORT_METRICS;
  // The referrer table leaves out the site's own pages (a click from page to page) and direct visits: it needs the
  // site's host names first.
  const ownHosts = REPORT_VIEWS[view].some(([d]) => d === 'pageReferrer') ? siteHosts() : null;
  await Promise.all(REPORT_VIEWS[view].map(([d, t]) => reportTable(main, d, t, metrics, d === 'pageReferrer' ? ownHosts : null)));
}

/** The property's own host names: its allowed hostnames and the hosts its pages were seen on. */
async function siteHosts() {
  const p = (state.properties || []).find((x) => x.propertyId === state.property) || {};
  const hosts = new Set((p.allowedHostnames || []).map((h) => h.toLowerCase()));
  try {
    const seen = await runReport({ dateRanges: [periods()[0]], dimensions: [{ name: 'hostName' }], metrics: [{ name: 'eventCount' }], limit: 100 });
    (seen.rows || []).forEach((r) => { const h = r.dimensionValues[0].value; if (h && h !== '(not set)') hosts.add(h.toLowerCase()); });
  } catch (e) {
    // The allowed hostnames alone.
  }
  return [...hosts];
}

/** A filter leaving out empty referrers (direct) and those on {@code hosts} (the site's own pages). */
function notOwnReferrer(hosts) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = [{ filter: { fieldName: 'pageReferrer', emptyFilter: {} } }];
  if (hosts.length) {
    parts.push({ filter: { fieldName: 'pageReferrer', stringFilter: { matchType: 'PARTIAL_REGEXP',
      value: '^[a-z][a-z0-9+.-]*://(www\\.)?(' + hosts.map((h) => esc(h.replace(/^www\./, ''))).join('|') + ')(:[0-9]+)?([/?#]|$)', caseSensitive: false } } });
  }
  return { notExpression: parts.length === 1 ? parts[0] : { orGroup: { expressions: parts } } };
}

function reportRequest(dimension, metrics, extraFilter) {
  const body = { dateRanges: [periods()[0]], dimensions: [{ name: dimension }], metrics: metrics.map((name) => ({ name })), limit: 25 };
  const filter = filterExpression(extraFilter);
  if (filter) body.dimensionFilter = filter;
  const sort = reportSorts[dimension];
  if (sort) body.orderBys = [sort.metric ? { metric: { metricName: sort.name }, desc: sort.desc } : { dimension: { dimensionName: sort.name }, desc: sort.desc }];
  return body;
}

async function reportTable(main, dimension, title, metrics, ownHosts) {
  const body = el('div', { class: 'scroll' });
  const csv = el('button', { class: 'link csv', type: 'button', title: 'Download this table as CSV' }, 'CSV');
  const section = el('section', { class: 'card report', 'data-dimension': dimension }, el('h2', {}, el('span', {}, title), csv), body);
  main.append(section);
  const load = async () => {
    loading(body);
    try {
      const request = reportRequest(dimension, metrics, ownHosts ? notOwnReferrer(await ownHosts) : null);
      csv.onclick = () => downloadCsv(request, dimension).catch((e) => { body.prepend(el('p', { class: 'error' }, e.message)); });
      const report = await runReport(request);
      if (!report.rows || !report.rows.length) { body.replaceChildren(el('p', { class: 'empty' }, 'No data for this range.')); return; }
      const sort = reportSorts[dimension] || { name: metrics[0], metric: true, desc: true };
      const header = (name, metric) => {
        const active = sort.name === name;
        const th = el('th', { class: metric ? 'num sortable' : 'sortable', scope: 'col', tabindex: '0', title: 'Sort by ' + uiName(name),
          'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : 'none' }, uiName(name), active ? (sort.desc ? ' ▾' : ' ▴') : '');
        const resort = () => {
          // A first click sorts numbers from the largest and names from A; a second click turns it round.
          reportSorts[dimension] = { name, metric, desc: active ? !sort.desc : metric };
          load();
        };
        onActivate(th, resort);
        return th;
      };
      const head = el('tr', {}, header(dimension, false), ...metrics.map((m) => header(m, true)));
      const rows = report.rows.map((r) => {
        const value = r.dimensionValues[0].value;
        const tr = el('tr', { tabindex: '0', title: 'Filter the dashboard by ' + uiName(dimension) + ' = ' + value }, el('td', { class: 'name' }, value),
          ...r.metricValues.map((m, i) => el('td', { class: 'num' }, formatMetric(metrics[i], m.value))));
        // Drill down: the whole dashboard, this table too, filtered by the row.
        onActivate(tr, () => addFilter(dimension, value));
        return tr;
      });
      body.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, rows)));
    } catch (e) { body.replaceChildren(el('p', { class: 'error' }, e.message)); }
  };
  await load();
}

/**
 * The table's own request as CSV (the API answers text/csv when asked, its cells quoted and formula-leading ones
 * defused: a report, a funnel's table, cohorts), all rows, saved as a file named after the range {@code p}.
 */
async function downloadCsv(request, name, action = ':runReport', p = request.dateRanges[0]) {
  const r = await api('POST', '/api/v1/properties/' + encodeURIComponent(state.property) + action, { ...request, limit: 100000 }, 'text/csv');
  if (!r.ok) throw new Error('CSV download failed: HTTP ' + r.status);
  const url = URL.createObjectURL(await r.blob());
  const a = el('a', { href: url, download: 'beacon-' + state.property + '-' + name + '-' + p.startDate + '-' + p.endDate + '.csv' });
  document.body.append(a); a.click(); a.remove();
  // Revoked once the download has read it.
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
