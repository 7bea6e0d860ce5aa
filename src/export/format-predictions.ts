/**
 * `formatPredictions`: a predictor's top-k as text for a terminal or a
 * pipe — `table` (one row per image: its classes with probabilities, columns
 * aligned; a multi-label model's: every label at or over its threshold), `json` (JSON Lines: one `{ path, topK }` object per image) or
 * `csv` (one row per image and rank: `path,rank,class_index,class_name,probability`,
 * for a multi-label model one row per predicted label,
 * quoted as RFC 4180 asks). Probabilities print with 4 decimals in the table,
 * in full in JSON and CSV.
 *
 * @example
 * process.stdout.write(formatPredictions(predictions, 'csv'));
 * // path,rank,class_index,class_name,probability
 * // cat.jpg,1,0,cat,0.9312...
 */
import { ConfigError } from '../errors.js';
import type { ClassScore, ImagePrediction } from './predictor.js';

/** The output formats of `predict`. */
export const PREDICTION_FORMATS = ['table', 'json', 'csv'] as const;
export type PredictionFormat = (typeof PREDICTION_FORMATS)[number];

const csvField = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

const scored = (s: ClassScore): string => `${s.className} ${s.probability.toFixed(4)}`;

function table(predictions: readonly ImagePrediction[]): string {
  const multiLabel = predictions.some((p) => p.labels !== undefined);
  const k = multiLabel ? 1 : Math.max(0, ...predictions.map((p) => p.topK.length));
  const header = multiLabel ? ['image', 'labels'] : ['image', ...Array.from({ length: k }, (_, i) => `top-${i + 1}`)];
  const rows = predictions.map((p) =>
    p.labels === undefined ? [p.path, ...p.topK.map(scored)] : [p.path, p.labels.length === 0 ? '(none)' : p.labels.map(scored).join(', ')],
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

/**
 * The predictions in `format`, each line ending in a newline.
 *
 * @example
 * formatPredictions([{ path: 'a.png', topK: [{ index: 1, className: 'dog', probability: 0.9 }] }], 'json');
 * // '{"path":"a.png","topK":[{"index":1,"className":"dog","probability":0.9}]}\n'
 */
export function formatPredictions(predictions: readonly ImagePrediction[], format: PredictionFormat): string {
  if (format === 'table') return table(predictions);
  if (format === 'json') return predictions.map((p) => `${JSON.stringify(p)}\n`).join('');
  if (format === 'csv') {
    const rows = predictions.flatMap((p) =>
      (p.labels ?? p.topK).map((s, rank) => [p.path, rank + 1, s.index, s.className, s.probability].map(csvField).join(',')),
    );
    return ['path,rank,class_index,class_name,probability', ...rows].map((l) => `${l}\n`).join('');
  }
  throw new ConfigError(`formatPredictions: expected a format among ${PREDICTION_FORMATS.join(', ')}, but got '${String(format)}'`);
}
