/**
 * The LR finder's plot: loss against learning rate on a log axis, each
 * step's loss faint behind the smoothed curve, the valley shaded and the
 * suggestion marked with its value. The y axis spans the smoothed curve, so
 * a diverging last step does not squash the rest (the raw losses are clipped).
 *
 * @example
 * const png = await renderLrFind({ lrs, losses, smoothedLosses, suggestionIndex: 42, valley: [30, 55] });
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite } from './render-vega-lite.js';

/** The curve to draw (an `LrFindResult` fits). */
export interface LrFindCurve {
  lrs: readonly number[];
  losses: readonly number[];
  smoothedLosses: readonly number[];
  suggestionIndex: number | null;
  valley: readonly [number, number] | null;
}

/** Size of the chart in chart units and pixels per unit. */
export interface LrFindPlotOptions {
  width?: number;
  height?: number;
  scale?: number;
}

const finite = (v: number): boolean => Number.isFinite(v);

/**
 * The vega-lite spec of the plot (for a report that embeds it).
 *
 * @example
 * const spec = lrFindSpec(result);
 */
export function lrFindSpec(curve: LrFindCurve, options: LrFindPlotOptions = {}): TopLevelSpec {
  const points = curve.lrs.flatMap((lr, i) => [
    ...(finite(curve.losses[i]) ? [{ lr, loss: curve.losses[i], series: 'loss' }] : []),
    ...(finite(curve.smoothedLosses[i]) ? [{ lr, loss: curve.smoothedLosses[i], series: 'smoothed' }] : []),
  ]);
  const smoothed = curve.smoothedLosses.filter(finite);
  const [low, high] = [Math.min(...smoothed), Math.max(...smoothed)];
  const pad = (high - low) * 0.05 || Math.abs(high) * 0.05 || 1;
  // One tick a decade: vega's log ticks put a grid line on every 2..9 too.
  const [first, last] = [Math.floor(Math.log10(Math.min(...curve.lrs))), Math.ceil(Math.log10(Math.max(...curve.lrs)))];
  const decades = Array.from({ length: last - first + 1 }, (_, i) => 10 ** (first + i));
  const axis = { values: decades, format: '.0e' };
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate', scale: { type: 'log', nice: false }, axis } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'loss', scale: { domain: [low - pad, high + pad], zero: false } } as const;
  const index = curve.suggestionIndex;
  const marked =
    index === null
      ? []
      : [{ lr: curve.lrs[index], loss: curve.smoothedLosses[index], label: `suggested ${curve.lrs[index].toExponential(1)}` }];
  const valley = curve.valley === null ? [] : [{ from: curve.lrs[curve.valley[0]], to: curve.lrs[curve.valley[1]] }];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? 480,
    height: options.height ?? 300,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    title: 'LR finder',
    layer: [
      {
        data: { values: valley },
        mark: { type: 'rect', color: '#2ca02c', opacity: 0.12 },
        encoding: { x: { ...x, field: 'from' }, x2: { field: 'to' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', clip: true },
        encoding: {
          x,
          y,
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: ['loss', 'smoothed'], range: ['#c7c7c7', '#1f77b4'] },
            legend: { orient: 'bottom' },
          },
          strokeWidth: { condition: { test: "datum.series === 'smoothed'", value: 2.5 }, value: 1 },
        },
      },
      { data: { values: marked }, mark: { type: 'point', filled: true, size: 90, color: '#d62728' }, encoding: { x, y } },
      {
        data: { values: marked },
        mark: { type: 'text', align: 'left', dx: 8, dy: -10, color: '#d62728' },
        encoding: { x, y, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}

/**
 * The plot as PNG (`width × scale` by `height × scale` pixels).
 *
 * @example
 * await writeFileReplacing('plots/lr_find.png', await renderLrFind(result));
 */
export async function renderLrFind(curve: LrFindCurve, options: LrFindPlotOptions = {}): Promise<Buffer> {
  return renderVegaLite(lrFindSpec(curve, options), { scale: options.scale });
}
