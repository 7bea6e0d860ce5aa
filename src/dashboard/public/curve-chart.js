/**
 * Curves of one metric for one or more runs, drawn with uPlot: a metric
 * picker, x by step, epoch or wall time, TensorBoard-style smoothing and a
 * log scale. The history comes from `/api/runs/:id/curve` (downsampled on
 * the server); with `live`, each run's `/api/runs/:id/stream` appends the
 * rows written since, without a reload.
 *
 * @example
 * const chart = curveChart({ runs: [{ id, name }], metricNames: ['train/loss'], live: true });
 * main.append(chart.node); // later: chart.destroy();
 */
/* global EventSource, ResizeObserver, setTimeout, clearTimeout */
import uPlot from './uplot/uPlot.esm.js';
import { getJson, runPath } from './api.js';
import { h, replace } from './dom.js';
import { smooth } from './smooth.js';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
const X_LABELS = { step: 'step', epoch: 'epoch', time: 'wall time (s)' };
// Step losses first: they have the most points while a run is young.
const PREFERRED = ['train/loss_step', 'train/loss', 'val/loss', 'val/acc_top1', 'val/acc'];

/** The metric shown first: a usual loss or accuracy when logged, else the first name. */
function defaultMetric(names) {
  return PREFERRED.find((name) => names.includes(name)) ?? names[0] ?? '';
}

/** Several values at one x (a step metric plotted by epoch) become their mean, since uPlot needs one y per x. */
function collapse(points) {
  const xs = [];
  const ys = [];
  let count = 0;
  for (const [x, y] of points) {
    if (xs.length > 0 && x === xs[xs.length - 1]) {
      ys[ys.length - 1] = (ys[ys.length - 1] * count + y) / (count + 1);
      count++;
    } else if (xs.length === 0 || x > xs[xs.length - 1]) {
      xs.push(x);
      ys.push(y);
      count = 1;
    }
  }
  return [xs, ys];
}

function controls(state, metricNames, onChange) {
  const metric = h('select', { class: 'metric-picker', 'aria-label': 'metric', onchange: (e) => onChange({ metric: e.target.value }) });
  const setMetrics = (names) => {
    replace(metric, ...names.map((name) => h('option', { value: name }, name)));
    metric.value = state.metric;
  };
  setMetrics(metricNames);
  const x = h(
    'select',
    { class: 'x-picker', 'aria-label': 'x axis', onchange: (e) => onChange({ x: e.target.value }) },
    ...Object.entries(X_LABELS).map(([value, label]) => h('option', { value }, label)),
  );
  x.value = state.x;
  const weightText = h('output', {}, state.weight.toFixed(2));
  const weight = h('input', {
    type: 'range',
    class: 'smoothing',
    min: 0,
    max: 0.99,
    step: 0.01,
    value: String(state.weight),
    'aria-label': 'smoothing',
    oninput: (e) => {
      weightText.textContent = Number(e.target.value).toFixed(2);
      onChange({ weight: Number(e.target.value) });
    },
  });
  const log = h('input', { type: 'checkbox', class: 'log-scale', onchange: (e) => onChange({ log: e.target.checked }) });
  const bar = h(
    'div',
    { class: 'controls' },
    h('label', {}, 'metric ', metric),
    h('label', {}, 'x ', x),
    h('label', {}, 'smoothing ', weight, weightText),
    h('label', {}, log, ' log scale'),
  );
  return { bar, setMetrics };
}

/** uPlot's aligned data for the visible series: per run the raw curve, and its smoothed copy when smoothing is on. */
function alignedData(series, state) {
  const tables = [];
  for (const s of series) {
    const [xs, raw] = collapse(s.points);
    const ys = state.log ? raw.map((y) => (y > 0 ? y : null)) : raw;
    tables.push(state.weight > 0 ? [xs, ys, smooth(ys, state.weight)] : [xs, ys]);
  }
  if (tables.length === 0) return [[]];
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

function plotOptions(series, state, width) {
  const seriesOptions = [{ label: X_LABELS[state.shownX] }];
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    if (state.weight > 0) seriesOptions.push({ label: `${s.name} (raw)`, stroke: `${color}40`, width: 1, spanGaps: true });
    seriesOptions.push({ label: s.name, stroke: color, width: 2, spanGaps: true, points: { show: false } });
  });
  return {
    width,
    height: 320,
    scales: { x: { time: false }, y: { distr: state.log ? 3 : 1 } },
    axes: [{ label: X_LABELS[state.shownX] }, { label: state.metric }],
    series: seriesOptions,
  };
}

/** The `[x, value]` points of streamed rows for the metric and x shown. */
function pointsOf(rows, state) {
  const points = [];
  for (const row of rows) {
    const x = row[state.shownX];
    const y = row.values[state.metric];
    if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(y)) points.push([x, y]);
  }
  return points;
}

/** Opens one run's event stream; rows arriving while its history loads wait in `pending`. */
function subscribe(s, state, schedule, onStatus, addMetric) {
  const source = new EventSource(runPath(s.id, '/stream'));
  source.addEventListener('metrics', (event) => {
    const { rows } = JSON.parse(event.data);
    for (const row of rows) {
      for (const name of Object.keys(row.values)) addMetric(name);
      if (s.loading) s.pending.push(row);
      else s.points.push(...pointsOf([row], state));
    }
    schedule();
  });
  source.addEventListener('status', (event) => onStatus?.(JSON.parse(event.data)));
  return source;
}

/**
 * Loads each run's history of the shown metric, then adds the rows that
 * streamed in meanwhile past its last x; false when a newer load began.
 */
async function loadHistory(series, state, isCurrent) {
  const query = `?metric=${encodeURIComponent(state.metric)}&x=${state.x}&points=2000`;
  for (const s of series) Object.assign(s, { loading: true, pending: [], points: [] });
  const curves = await Promise.all(series.map((s) => getJson(runPath(s.id, `/curve${query}`)).catch(() => ({ points: [] }))));
  if (!isCurrent()) return false;
  state.shownX = curves.find((c) => c.x !== undefined)?.x ?? state.x;
  series.forEach((s, i) => {
    const points = curves[i].points;
    const lastX = points.length > 0 ? points[points.length - 1][0] : -Infinity;
    s.points = [...points, ...pointsOf(s.pending, state).filter(([x]) => x > lastX)];
    s.pending = [];
    s.loading = false;
  });
  return true;
}

/**
 * The chart with its controls.
 *
 * @example
 * curveChart({ runs: [{ id: 'a1', name: '2026-12-07/10-00-00' }], metricNames: ['val/acc'], live: false });
 */
export function curveChart({ runs, metricNames, live = false, onStatus }) {
  const names = [...metricNames];
  // shownX: the x the server used ('time' falls back to 'step' for a log without times).
  const state = { metric: defaultMetric(names), x: 'step', shownX: 'step', weight: 0, log: false };
  const series = runs.map((run) => ({ id: run.id, name: run.name, points: [], pending: [], loading: false }));
  const plotBox = h('div', { class: 'plot' });
  const count = h('span', { class: 'point-count', dataset: { points: '0' } }, '0 points');
  let plot = null;
  let timer = null;
  let loadToken = 0;

  const draw = () => {
    timer = null;
    const total = series.reduce((n, s) => n + s.points.length, 0);
    count.dataset.points = String(total);
    count.textContent = `${total} points`;
    if (plot !== null) plot.setData(alignedData(series, state));
  };
  const schedule = () => {
    if (timer === null) timer = setTimeout(draw, 100);
  };
  const rebuild = () => {
    Object.assign(plotBox.dataset, { x: state.shownX, scale: state.log ? 'log' : 'linear', smoothing: String(state.weight) });
    plot?.destroy();
    plot = new uPlot(plotOptions(series, state, plotBox.clientWidth || 800), alignedData(series, state), plotBox);
    draw();
  };
  const load = async () => {
    const token = ++loadToken;
    if (await loadHistory(series, state, () => token === loadToken)) rebuild();
  };
  const picker = controls(state, names, (change) => {
    Object.assign(state, change);
    if ('metric' in change || 'x' in change) void load();
    else rebuild();
  });
  const addMetric = (name) => {
    if (names.includes(name)) return;
    names.push(name);
    const first = state.metric === '';
    if (first) state.metric = name;
    picker.setMetrics(names);
    if (first) void load();
  };
  const sources = live ? series.map((s) => subscribe(s, state, schedule, onStatus, addMetric)) : [];
  const resize = new ResizeObserver(() => plot?.setSize({ width: plotBox.clientWidth || 800, height: 320 }));
  resize.observe(plotBox);
  void load();

  const node = h('section', { class: 'curves card' }, picker.bar, plotBox, h('div', { class: 'muted' }, count));
  const destroy = () => {
    for (const source of sources) source.close();
    resize.disconnect();
    if (timer !== null) clearTimeout(timer);
    plot?.destroy();
  };
  return { node, destroy };
}
