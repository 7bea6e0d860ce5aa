/**
 * A reliability diagram (Guo et al. 2017, figure 1): per confidence bin, the
 * accuracy of the predictions that fell in it, against the diagonal a
 * perfectly calibrated model would follow. Bars below the diagonal are
 * over-confidence. Several curves (before and after temperature scaling)
 * share one chart, each with its ECE in the legend; empty bins draw nothing.
 *
 * @example
 * const png = await renderReliabilityDiagram([{ name: 'before', ece: 0.08, bins }, { name: 'T = 1.8', ece: 0.01, bins: scaled }]);
 */
import type { TopLevelSpec } from 'vega-lite';
import { ShapeError } from '../../errors.js';
import { renderVegaLite } from './render-vega-lite.js';

/** One bin: its confidence range, how many predictions fell in it, their mean accuracy and confidence. */
export interface ReliabilityPlotBin {
  lower: number;
  upper: number;
  count: number;
  accuracy: number;
  confidence: number;
}

/** One curve of the diagram. */
export interface ReliabilitySeries {
  name: string;
  /** Expected calibration error, shown in the legend. */
  ece: number;
  bins: readonly ReliabilityPlotBin[];
}

/**
 * The vega-lite chart: accuracy per bin at the bin's mean confidence, one
 * line per series, and the diagonal.
 *
 * @example
 * const spec = reliabilitySpec([{ name: 'before', ece: 0.08, bins }]);
 */
export function reliabilitySpec(series: readonly ReliabilitySeries[], options: { title?: string } = {}): TopLevelSpec {
  if (series.length === 0) throw new ShapeError('renderReliabilityDiagram: expected at least one series, but got none');
  // Series go by position: a name is only a legend label, never a key vega reads.
  const labels = series.map((s) => `${s.name} (ECE ${s.ece.toFixed(4)})`);
  const points = series.flatMap((s, k) =>
    s.bins.filter((b) => b.count > 0).map((b) => ({ series: labels[k], confidence: b.confidence, accuracy: b.accuracy, count: b.count })),
  );
  const axis = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 420,
    height: 380,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    title: options.title ?? 'reliability diagram',
    layer: [
      {
        data: { values: [{ x: 0 }, { x: 1 }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: { x: { field: 'x', ...axis, title: 'confidence' }, y: { field: 'x', ...axis, title: 'accuracy' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'confidence', ...axis },
          y: { field: 'accuracy', ...axis },
          color: { field: 'series', type: 'nominal', title: null, sort: labels, legend: { orient: 'top-left' } },
        },
      },
    ],
  };
}

/**
 * A PNG reliability diagram of one or more series.
 *
 * @example
 * await writeFile('reliability.png', await renderReliabilityDiagram([{ name: 'uncalibrated', ece, bins }]));
 */
export async function renderReliabilityDiagram(
  series: readonly ReliabilitySeries[],
  options: { title?: string; scale?: number } = {},
): Promise<Buffer> {
  return renderVegaLite(reliabilitySpec(series, options), { scale: options.scale });
}
