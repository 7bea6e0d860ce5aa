/**
 * A confusion matrix as a heatmap: true classes down the side, predicted
 * classes along the top, the count (or the normalized fraction) in each cell.
 * Normalization follows torchmetrics: 'true' divides each row by its total,
 * 'pred' each column, 'all' the whole matrix. Past `maxClasses` classes
 * (ImageNet's 1,000, say) a full matrix is unreadable: the plot shows the
 * classes with the most errors and says so in its subtitle.
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
  /** Most classes drawn; past it, the most confused ones. Default 40. */
  maxClasses?: number;
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
 * The indices of the classes a plot of at most `max` classes shows: every
 * class when they fit, else those with the most errors (as the true or the
 * predicted class; ties to the lower index), in index order.
 *
 * @example
 * mostConfusedClasses([[5, 0, 0], [0, 5, 3], [0, 1, 5]], 2); // [1, 2]
 */
export function mostConfusedClasses(matrix: readonly (readonly number[])[], max: number): number[] {
  const n = matrix.length;
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const errors = new Float64Array(n);
  matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      if (i === j) return;
      errors[i] += count;
      errors[j] += count;
    }),
  );
  return all
    .sort((a, b) => errors[b] - errors[a] || a - b)
    .slice(0, Math.max(1, max))
    .sort((a, b) => a - b);
}

/** What `confusionMatrixSpec` returns: the chart and which classes it shows. */
export interface ConfusionMatrixSpec {
  spec: TopLevelSpec;
  /** Indices of the classes drawn, in axis order. */
  shown: number[];
}

interface Cell {
  row: number;
  col: number;
  value: number;
  label: string;
  dark: boolean;
}

function cellsOf(matrix: readonly (readonly number[])[], normalize: ConfusionNormalization, shown: readonly number[]): Cell[] {
  // Normalized over the full matrix: a fraction means the same whether or not every class is drawn.
  const fractions = normalizeConfusion(matrix, normalize);
  let maxShown = 0;
  for (const i of shown) for (const j of shown) maxShown = Math.max(maxShown, fractions[i][j]);
  return shown.flatMap((i, row) =>
    shown.map((j, col) => ({
      row,
      col,
      value: fractions[i][j],
      label: normalize === 'none' ? String(matrix[i][j]) : fractions[i][j].toFixed(2),
      dark: maxShown > 0 && fractions[i][j] > maxShown / 2,
    })),
  );
}

/**
 * The vega-lite chart of a confusion matrix. Cells carry positions, never
 * class names: a name is only an axis label, looked up in a list, so no name
 * (`constructor`, `__proto__`) is ever used as a key by vega.
 *
 * @example
 * const { spec, shown } = confusionMatrixSpec(counts, names, { maxClasses: 40 });
 */
export function confusionMatrixSpec(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionMatrixPlotOptions = {},
): ConfusionMatrixSpec {
  checkMatrix(matrix, classNames);
  const normalize = options.normalize ?? 'none';
  const n = matrix.length;
  const shown = mostConfusedClasses(matrix, options.maxClasses ?? 40);
  const k = shown.length;
  const side = Math.min(1200, Math.max(360, 44 * k + 180));
  const axis = { labelLimit: 120, labelFontSize: k > 20 ? 8 : 11, labelExpr: 'shownClassNames[datum.value]' };
  const text = options.title ?? (normalize === 'none' ? 'confusion matrix' : `confusion matrix (normalized over ${normalize})`);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? side,
    height: options.height ?? side,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    title: k < n ? { text, subtitle: `the ${k} most confused of ${n} classes` } : text,
    params: [{ name: 'shownClassNames', value: shown.map((i) => classNames[i]) }],
    data: { values: cellsOf(matrix, normalize, shown) },
    encoding: {
      x: { field: 'col', type: 'ordinal', title: 'predicted', axis: { ...axis, orient: 'top', labelAngle: -45 } },
      y: { field: 'row', type: 'ordinal', title: 'true', axis },
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
      ...(k <= 30
        ? [
            {
              mark: { type: 'text' as const, fontSize: k > 15 ? 8 : 12 },
              encoding: {
                text: { field: 'label', type: 'nominal' as const },
                color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
  };
  return { spec, shown };
}

/**
 * A PNG heatmap of `matrix[true][pred]` with class names on both axes (the
 * most confused `maxClasses` of them when there are more).
 *
 * @example
 * await writeFile('confusion_matrix.png', await renderConfusionMatrix(counts, ['a', 'b', 'c']));
 */
export async function renderConfusionMatrix(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionMatrixPlotOptions = {},
): Promise<Buffer> {
  return renderVegaLite(confusionMatrixSpec(matrix, classNames, options).spec, { scale: options.scale });
}
