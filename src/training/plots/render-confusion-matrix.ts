/**
 * A confusion matrix as a heatmap: true classes down the side, predicted
 * classes along the top, the count (or the normalized fraction) in each cell.
 * Normalization follows torchmetrics: 'true' divides each row by its total,
 * 'pred' each column, 'all' the whole matrix.
 *
 * @example
 * const png = await renderConfusionMatrix([[5, 1], [2, 7]], ['cat', 'dog'], { normalize: 'true' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { ShapeError } from '../../errors.js';
import { renderVegaLite } from './render-vega-lite.js';

/** How cells are normalized (torchmetrics' `normalize`). */
export type ConfusionNormalization = 'none' | 'true' | 'pred' | 'all';

/** Options for `renderConfusionMatrix`. */
export interface ConfusionMatrixPlotOptions {
  /** Default 'none': the cells show counts. */
  normalize?: ConfusionNormalization;
  title?: string;
  /** Chart size in chart units, labels included; default grows with the class count. */
  width?: number;
  height?: number;
  /** Pixels per chart unit. Default 2. */
  scale?: number;
}

/**
 * The matrix normalized the torchmetrics way (0 where a row or column is empty).
 *
 * @example
 * normalizeConfusion([[1, 3], [0, 0]], 'true'); // [[0.25, 0.75], [0, 0]]
 */
export function normalizeConfusion(matrix: readonly (readonly number[])[], normalize: ConfusionNormalization): number[][] {
  const total = matrix.flat().reduce((s, v) => s + v, 0);
  const rowSums = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const colSums = matrix[0]?.map((_, j) => matrix.reduce((s, row) => s + row[j], 0)) ?? [];
  return matrix.map((row, i) =>
    row.map((v, j) => {
      const d = normalize === 'true' ? rowSums[i] : normalize === 'pred' ? colSums[j] : normalize === 'all' ? total : 1;
      return d === 0 ? 0 : v / d;
    }),
  );
}

function checkMatrix(matrix: readonly (readonly number[])[], classNames: readonly string[]): void {
  const n = matrix.length;
  if (n === 0 || matrix.some((row) => row.length !== n)) {
    throw new ShapeError(
      `renderConfusionMatrix: expected a square matrix, but got rows of length [${matrix.map((r) => r.length).join(', ')}]`,
    );
  }
  if (classNames.length !== n) {
    throw new ShapeError(`renderConfusionMatrix: expected ${n} class names (one per row), but got ${classNames.length}`);
  }
}

/**
 * A PNG heatmap of `matrix[true][pred]` with class names on both axes.
 *
 * @example
 * await writeFile('confusion_matrix.png', await renderConfusionMatrix(counts, ['a', 'b', 'c']));
 */
export async function renderConfusionMatrix(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionMatrixPlotOptions = {},
): Promise<Buffer> {
  checkMatrix(matrix, classNames);
  const normalize = options.normalize ?? 'none';
  const shown = normalizeConfusion(matrix, normalize);
  const n = matrix.length;
  const maxShown = Math.max(...shown.flat(), 0);
  const cells = matrix.flatMap((row, i) =>
    row.map((count, j) => ({
      actual: classNames[i],
      predicted: classNames[j],
      count,
      value: shown[i][j],
      label: normalize === 'none' ? String(count) : shown[i][j].toFixed(2),
      dark: maxShown > 0 && shown[i][j] > maxShown / 2,
    })),
  );
  const side = Math.min(1200, Math.max(360, 44 * n + 180));
  const axis = { labelLimit: 120, labelFontSize: n > 20 ? 8 : 11 };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? side,
    height: options.height ?? side,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    title: options.title ?? (normalize === 'none' ? 'confusion matrix' : `confusion matrix (normalized over ${normalize})`),
    data: { values: cells },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: [...classNames],
        title: 'predicted',
        axis: { ...axis, orient: 'top', labelAngle: -45 },
      },
      y: { field: 'actual', type: 'nominal', sort: [...classNames], title: 'true', axis },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            scale: { scheme: 'blues', domainMin: 0 },
            title: normalize === 'none' ? 'count' : 'fraction',
          },
        },
      },
      // Numbers stop being readable past ~30 classes: the colours still are.
      ...(n <= 30
        ? [
            {
              mark: { type: 'text' as const, fontSize: n > 15 ? 8 : 12 },
              encoding: {
                text: { field: 'label', type: 'nominal' as const },
                color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
  };
  return renderVegaLite(spec, { scale: options.scale });
}
