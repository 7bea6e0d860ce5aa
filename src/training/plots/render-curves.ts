/**
 * Training curves from the Trainer's history: one chart per quantity (loss,
 * accuracy, learning rate), with one line per logged series (`train/loss`
 * and `val/loss` on the loss chart), over epochs or optimizer steps.
 *
 * @example
 * const plots = await renderCurves(trainer.history, { x: 'epoch' });
 * for (const { name, png } of plots) await writeFile(`plots/curves_${name}.png`, png);
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../trainer-view.js';
import { renderVegaLite } from './render-vega-lite.js';

/** One chart: the metrics it draws, chosen by name. */
export interface CurveChart {
  /** File-name part and key ('loss' → curves_loss.png). */
  name: string;
  /** The y-axis title. */
  title: string;
  /** True for every metric name the chart draws. */
  match: (metric: string) => boolean;
}

/** The default charts: loss, top-k accuracy, learning rate (`lr`, `lr-AdamW`, `lr/pg1`, `train/lr`). */
export const defaultCurveCharts: readonly CurveChart[] = [
  { name: 'loss', title: 'loss', match: (m) => /^(train|val|test)\/loss$/.test(m) },
  { name: 'accuracy', title: 'accuracy', match: (m) => /^(train|val|test)\/acc_top\d+$/.test(m) },
  { name: 'lr', title: 'learning rate', match: (m) => /(^|\/)lr([-_/]|$)/.test(m) },
];

/** Options for `renderCurves`. */
export interface CurvesOptions {
  /** The x axis: the 0-based epoch of each record, or the optimizer step. Default 'epoch'. */
  x?: 'epoch' | 'step';
  /** The charts to draw; those without any finite value are left out. */
  charts?: readonly CurveChart[];
  /** Chart size in chart units, axes and legend included. Default 480 × 300. */
  width?: number;
  height?: number;
  /** Pixels per chart unit. Default 2. */
  scale?: number;
}

/** A rendered chart. */
export interface RenderedPlot {
  name: string;
  png: Buffer;
}

interface Point {
  x: number;
  value: number;
  series: string;
}

/** The points of one chart, in history order. */
function pointsOf(history: readonly EpochRecord[], chart: CurveChart, x: 'epoch' | 'step'): Point[] {
  const points: Point[] = [];
  for (const record of history) {
    for (const [series, value] of Object.entries(record.metrics)) {
      if (chart.match(series) && Number.isFinite(value)) points.push({ x: record[x], value, series });
    }
  }
  return points;
}

function specOf(chart: CurveChart, points: Point[], options: Required<Omit<CurvesOptions, 'charts' | 'scale'>>): TopLevelSpec {
  const values = points.map((p) => p.value);
  const [min, max] = [Math.min(...values), Math.max(...values)];
  // A warmup + cosine schedule spans decades: a log axis shows both ends.
  const logY = chart.name === 'lr' && min > 0 && max / min > 20;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width,
    height: options.height,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    title: chart.title,
    data: { values: points },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: options.x,
        axis: { tickMinStep: 1, format: 'd' },
        scale: { zero: false, nice: false },
      },
      y: { field: 'value', type: 'quantitative', title: chart.title, scale: logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'value' }],
    },
  };
}

/**
 * One PNG per chart that has data, in chart order.
 *
 * @example
 * const [loss] = await renderCurves([{ epoch: 0, step: 10, metrics: { 'train/loss': 1.2, 'val/loss': 1.3 } }]);
 */
export async function renderCurves(history: readonly EpochRecord[], options: CurvesOptions = {}): Promise<RenderedPlot[]> {
  const resolved = { x: options.x ?? 'epoch', width: options.width ?? 480, height: options.height ?? 300 } as const;
  const plots: RenderedPlot[] = [];
  for (const chart of options.charts ?? defaultCurveCharts) {
    const points = pointsOf(history, chart, resolved.x);
    if (points.length === 0) continue;
    plots.push({ name: chart.name, png: await renderVegaLite(specOf(chart, points, resolved), { scale: options.scale }) });
  }
  return plots;
}
