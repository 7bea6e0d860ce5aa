/**
 * Parallel coordinates of a sweep, drawn as SVG: one vertical axis per
 * swept key and a last one for the metric, one line per run coloured by
 * its metric. Numeric keys get a linear axis (logarithmic when all values
 * are positive and span over two decades, as learning rates do), the rest
 * one tick per distinct value.
 *
 * @example
 * parallelCoords({ swept: ['optimizer.lr'], metric: 'val/acc', runs: [{ id: 'a', params: { 'optimizer.lr': 0.1 }, metric: 0.9 }] });
 */
import { svg } from './dom.js';
import { formatNumber, formatValue } from './format.js';

const HEIGHT = 300;
const PAD = { top: 30, bottom: 40, side: 70 };

/** Maps values of one axis to [0, 1] (0 at the bottom) and lists its tick labels. */
function axisScale(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const positive = present.every((v) => v > 0);
    const lo = Math.min(...present);
    const hi = Math.max(...present);
    const log = positive && hi / lo > 100;
    const f = log ? Math.log10 : (v) => v;
    const [a, b] = [f(lo), f(hi)];
    const span = b - a || 1;
    return {
      at: (v) => (typeof v === 'number' ? (b === a ? 0.5 : (f(v) - a) / span) : null),
      ticks: b === a ? [[0.5, formatNumber(lo)]] : [0, 1].map((t) => [t, formatNumber(t === 0 ? lo : hi)]),
      log,
    };
  }
  const distinct = [...new Set(present.map(formatValue))].sort();
  const step = distinct.length > 1 ? 1 / (distinct.length - 1) : 0;
  const position = (v) => (distinct.length === 1 ? 0.5 : distinct.indexOf(formatValue(v)) * step);
  return { at: (v) => (v === null || v === undefined ? null : position(v)), ticks: distinct.map((d) => [position(d), d]), log: false };
}

/** Blue for the worst metric, orange for the best. */
function colour(t) {
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(37, 234)}, ${mix(99, 88)}, ${mix(235, 12)})`;
}

/**
 * The SVG element.
 *
 * @example
 * document.body.append(parallelCoords(sweep, new Set(['a'])));
 */
export function parallelCoords(sweep, highlighted = new Set()) {
  const axes = [...sweep.swept.map((key) => ({ key, label: key })), { key: null, label: sweep.metric }];
  const valueOf = (run, axis) => (axis.key === null ? run.metric : run.params[axis.key]);
  const scales = axes.map((axis) => axisScale(sweep.runs.map((run) => valueOf(run, axis))));
  const width = Math.max(420, PAD.side * 2 + (axes.length - 1) * 160);
  const xOf = (i) => PAD.side + (axes.length === 1 ? 0 : (i * (width - PAD.side * 2)) / (axes.length - 1));
  const yOf = (t) => PAD.top + (1 - t) * (HEIGHT - PAD.top - PAD.bottom);
  const metricScale = scales[scales.length - 1];

  const lines = sweep.runs.map((run) => {
    const points = axes.map((axis, i) => [xOf(i), scales[i].at(valueOf(run, axis))]).filter(([, t]) => t !== null);
    const t = metricScale.at(run.metric);
    return svg(
      'polyline',
      {
        class: highlighted.has(run.id) ? 'line highlighted' : 'line',
        points: points.map(([x, t2]) => `${x.toFixed(1)},${yOf(t2).toFixed(1)}`).join(' '),
        stroke: t === null ? '#9ca3af' : colour(t),
        dataset: { runId: run.id },
      },
      svg('title', {}, `${axes.map((axis) => `${axis.label}=${formatValue(valueOf(run, axis))}`).join(', ')}`),
    );
  });
  const axisNodes = axes.map((axis, i) =>
    svg(
      'g',
      { class: 'axis' },
      svg('line', { x1: xOf(i), x2: xOf(i), y1: yOf(0), y2: yOf(1), stroke: '#374151' }),
      svg(
        'text',
        { x: xOf(i), y: HEIGHT - 12, 'text-anchor': 'middle', class: 'axis-label' },
        axis.label + (scales[i].log ? ' (log)' : ''),
      ),
      ...scales[i].ticks.map(([t, label]) => svg('text', { x: xOf(i) + 6, y: yOf(t) + 4, class: 'tick' }, label)),
    ),
  );
  return svg(
    'svg',
    {
      class: 'parallel-coords',
      viewBox: `0 0 ${width} ${HEIGHT}`,
      width,
      height: HEIGHT,
      role: 'img',
      'aria-label': 'parallel coordinates',
    },
    ...lines,
    ...axisNodes,
  );
}
