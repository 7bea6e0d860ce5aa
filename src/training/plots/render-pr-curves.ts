/**
 * Precision-recall curves of a multi-label model, one line per label with
 * its AP in the legend ("dog (AP 0.912)"), drawn as vega-lite and rendered
 * to PNG like the other plots. A curve of thousands of points is thinned to
 * at most `maxPoints` per label (the first and last points kept): the chart
 * cannot show more, and vega would take seconds to lay them out.
 *
 * @example
 * const png = await renderPrecisionRecallCurves(module.labelCurves.val.curves, module.labelCurves.val.ap, ['cat', 'dog']);
 */
import type { TopLevelSpec } from 'vega-lite';
import type { PrecisionRecallCurve } from '../../metrics/multilabel-ranking.js';
import { renderVegaLite } from './render-vega-lite.js';

/** Options of `renderPrecisionRecallCurves`. */
export interface PrecisionRecallPlotOptions {
  title?: string;
  /** Points drawn per label at most (default 200). */
  maxPoints?: number;
  /** Chart size in chart units (default 480 x 360) and pixels per unit (default 2). */
  width?: number;
  height?: number;
  scale?: number;
}

interface Point {
  recall: number;
  precision: number;
  label: string;
  order: number;
}

/** Every k-th point of one curve (recall ascending), its first and last always. */
function thinned(curve: PrecisionRecallCurve, label: string, maxPoints: number): Point[] {
  const n = curve.recall.length;
  const step = Math.max(1, Math.ceil(n / maxPoints));
  const points: Point[] = [];
  for (let k = 0; k < n; k++) {
    if (k % step === 0 || k === n - 1) points.push({ recall: curve.recall[k], precision: curve.precision[k], label, order: k });
  }
  return points;
}

/**
 * The vega-lite spec of the curves (labels without positives are left out: their curve says nothing).
 *
 * @example
 * const spec = precisionRecallSpec(curves, ap, names);
 */
export function precisionRecallSpec(
  curves: readonly PrecisionRecallCurve[],
  ap: readonly number[],
  names: readonly string[],
  options: PrecisionRecallPlotOptions = {},
): TopLevelSpec {
  const points = curves.flatMap((curve, i) =>
    curve.positives === 0
      ? []
      : thinned(curve, `${names[i] ?? String(i)} (AP ${(ap[i] ?? Number.NaN).toFixed(3)})`, options.maxPoints ?? 200),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? 480,
    height: options.height ?? 360,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    title: options.title ?? 'precision-recall',
    data: { values: points },
    mark: { type: 'line', interpolate: 'step-before', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'recall', type: 'quantitative', scale: { domain: [0, 1] } },
      y: { field: 'precision', type: 'quantitative', scale: { domain: [0, 1] } },
      color: { field: 'label', type: 'nominal', title: null, legend: { orient: 'right', labelLimit: 220 } },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

/**
 * A PNG of the precision-recall curves.
 *
 * @example
 * await writeFile('plots/pr_curves.png', await renderPrecisionRecallCurves(curves, ap, names));
 */
export async function renderPrecisionRecallCurves(
  curves: readonly PrecisionRecallCurve[],
  ap: readonly number[],
  names: readonly string[],
  options: PrecisionRecallPlotOptions = {},
): Promise<Buffer> {
  return renderVegaLite(precisionRecallSpec(curves, ap, names, options), { scale: options.scale });
}
