// The dashboard's two charts (the overview's line chart, the real-time bars) on uPlot (21 KB gzipped, from the
// webjar; echarts was 334 KB, 93% of the overview's bytes: issue 20). Loaded before overview.js and app.js.
// uPlot plots numbers: a category axis is the index 0..n-1 of its labels, and the labels are drawn in place of it.
'use strict';

const CHART_COLORS = { line: '#5470c6', area: 'rgba(84, 112, 198, 0.08)', previous: '#98a2b3', axis: '#667085',
  grid: '#e4e7ec', note: '#7a5af8', noteText: '#5b3fd6' };
/** Whole-number tick steps, for counts (1, 2, 5, 10, ... 5e9): a count axis never reads 0.5. */
const INT_INCRS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9].flatMap((m) => [m, 2 * m, 5 * m]);
/** Category steps: every label, every other, ... a week, four weeks, a month, a quarter, half a year. */
const CAT_INCRS = [1, 2, 3, 4, 6, 7, 14, 28, 30, 60, 91, 182, 365, 730];

/**
 * A uPlot in {@code box}, sized to it and resized with it (its legend under the plot, inside the box's height), as
 * state.charts wants it: dispose() removes it, setData() replaces its data.
 */
function mountChart(box, opts, data) {
  // What the chart takes beside its plot: the legend, with its margins.
  const legendHeight = (p) => p.root.offsetHeight - p.height;
  let u = null; let last = ''; let gone = false;
  const fit = () => {
    if (gone) return;
    const width = box.clientWidth; const height = box.clientHeight - legendHeight(u);
    // A hidden box (0 x 0) keeps the last size; the same size again draws nothing new.
    if (width < 50 || height < 50 || last === width + 'x' + height) return;
    last = width + 'x' + height;
    u.setSize({ width, height });
  };
  const hooks = Object.assign({}, opts.hooks);
  // Away from the plot the legend names the series only ("chart-idle" hides the empty values and the x row); over it,
  // it shows the point's label and values, which may wrap the legend onto another line: the plot then gives way.
  hooks.setLegend = (hooks.setLegend || []).concat([(p) => {
    p.root.classList.toggle('chart-idle', p.legend.idx == null);
    if (u) requestAnimationFrame(fit);
  }]);
  u = new uPlot(Object.assign({}, opts, { hooks, width: Math.max(box.clientWidth, 100), height: Math.max(box.clientHeight - 30, 80) }),
    data, box);
  u.root.classList.add('chart-idle');
  fit();
  // The card, not only the window, decides the width (a scroll bar appearing narrows it too). The box's size is set
  // by the page (its CSS height, the grid's width), never by the chart inside it (overflow hidden): no resize loop.
  const watch = new ResizeObserver(() => fit());
  watch.observe(box);
  return {
    plot: u,
    setData: (d) => u.setData(d),
    resize: fit,
    dispose: () => { gone = true; watch.disconnect(); u.destroy(); },
  };
}

/** Axis styling shared by both charts. */
function chartAxis(extra) {
  return Object.assign({ stroke: CHART_COLORS.axis, grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1, size: 4 }, font: '12px system-ui, -apple-system, "Segoe UI", sans-serif' }, extra);
}

/**
 * An x axis of categories: labels[i] at index i, as many as fit (the widest label sets the spacing), and the legend's
 * x value is the label too.
 */
function categoryX(labels) {
  // Read at draw time: the real-time chart's labels change with each snapshot.
  const space = () => labels.reduce((w, l) => Math.max(w, String(l).length), 1) * 7 + 16;
  return {
    // Each category a band, its point or bar in the middle: the first and last labels and an annotation on the last
    // day stay inside the plot.
    scale: { time: false, range: (u) => [-0.5, Math.max(u.data[0].length, 1) - 0.5] },
    axis: chartAxis({ grid: { show: false }, incrs: CAT_INCRS, space,
      values: (u, splits) => splits.map((i) => (Number.isInteger(i) && labels[i] !== undefined ? labels[i] : '')) }),
    value: (u, i) => (i == null || labels[i] === undefined ? '--' : labels[i]),
  };
}

/** A y axis from zero, so a change reads at its true size; counts in whole steps; percentages labelled "n%". */
function valueY(format) {
  const suffix = format === 'percent' ? '%' : '';
  const fmt = (v) => (v == null ? '--' : Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 }) + suffix);
  return {
    scale: { range: (u, min, max) => [0, max > 0 ? uPlot.rangeNum(0, max, 0.1, true)[1] : 1] },
    axis: chartAxis(Object.assign({ size: 56, values: (u, splits) => splits.map(fmt) }, format ? {} : { incrs: INT_INCRS })),
    value: (u, v) => fmt(v),
  };
}

/**
 * A uPlot draw hook: dotted vertical lines at the given x values (a category index), each labelled with its title at
 * the top, beside the line (to its left near the right edge); titles on the same x are stacked.
 */
function verticalMarks(marks) {
  return (u) => {
    if (!marks.length) return;
    const px = uPlot.pxRatio; const ctx = u.ctx; const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = CHART_COLORS.note; ctx.fillStyle = CHART_COLORS.noteText; ctx.lineWidth = px;
    ctx.setLineDash([2 * px, 3 * px]);
    ctx.font = (11 * px) + 'px system-ui, -apple-system, "Segoe UI", sans-serif'; ctx.textBaseline = 'top';
    const stacked = {};
    marks.forEach((m) => {
      const x = Math.round(u.valToPos(m.x, 'x', true)) + 0.5;
      if (x < left || x > left + width) return;
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      const row = stacked[m.x] = (stacked[m.x] || 0) + 1;
      const rightHalf = x > left + width / 2;
      ctx.textAlign = rightHalf ? 'right' : 'left';
      ctx.fillText(m.label, x + (rightHalf ? -4 : 4) * px, top + (2 + 13 * (row - 1)) * px);
    });
    ctx.restore();
  };
}

/**
 * No drag-to-zoom (a click on the chart does nothing, as before); the cursor is a vertical line on the hovered
 * category, whose values the legend shows.
 */
const CHART_CURSOR = { y: false, drag: { x: false, y: false }, points: { size: 6 } };
