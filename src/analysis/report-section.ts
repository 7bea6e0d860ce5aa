/**
 * The Analysis section of `report.html`, drawn from the files in
 * `<run>/analysis/` alone (so whatever wrote them, `analyze` or the fit-end
 * callback, the page shows the same): the per-class table, the
 * most-confused pairs, the confusion matrix normalised by row and by column,
 * the top-losses gallery (with a Grad-CAM overlay beside an image when
 * `cam/<rank>.png` exists), and, when their files exist, the likely label
 * errors (those with a thumbnail), the duplicates across splits and the
 * calibration; for a multi-label run, the per-label table (AP, precision,
 * recall, F1, threshold) and the top losses by BCE with their label sets.
 * Images are relative links into analysis/;
 * every class name and path is escaped.
 *
 * @example
 * await writeReportSection('outputs/r1'); // report.html gains (or replaces) its Analysis section
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { escapeHtml, formatMetric, reportHtml, withReportSection } from '../training/plots/report-html.js';
import { mostConfusedClasses } from '../training/plots/render-confusion-matrix.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { LABEL_ISSUE_THUMBNAILS, analysisFiles, galleryFile } from './analysis-files.js';
import { parseCsv } from '../training/loggers/csv.js';
import type { PerClassRow } from './per-class-table.js';
import type { TopLoss } from './top-losses.js';
import type { LabelRow, MultilabelTopLoss } from './multilabel-analysis.js';

/** The id of the section in the page. */
export const ANALYSIS_SECTION_ID = 'analysis';

/** Classes a confusion matrix table shows at most (the most confused ones past it). */
const MAX_MATRIX_CLASSES = 30;
/** Rows of the confused-pairs table. */
const MAX_PAIRS = 20;

interface Summary {
  task?: string;
  split?: string;
  samples?: number;
  accuracy?: number;
  meanLoss?: number | null;
  writtenAt?: string;
  topLosses?: (TopLoss & { image: string | null })[];
  mAP?: number;
  skipped?: string[];
}

const esc = (value: unknown): string => escapeHtml(String(value));
const num = (value: number): string => escapeHtml(formatMetric(value));

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null; // absent or half-written by an older version: the section leaves that part out
  }
}

function table(head: readonly string[], rows: readonly string[], id: string): string {
  return `<div class="scroll"><table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function perClassHtml(rows: readonly PerClassRow[]): string {
  const body = rows.map(
    (r) =>
      `<tr><th scope="row">${esc(r.name)}</th><td class="value">${num(r.precision)}</td><td class="value">${num(r.recall)}</td><td class="value">${num(r.f1)}</td><td class="value">${r.support}</td><td>${r.confusedWith.map((c) => `${esc(c.name)} (${c.count})`).join(', ')}</td></tr>`,
  );
  return `<h3>Per class</h3>${table(['class', 'precision', 'recall', 'F1', 'support', 'confused with'], body, 'analysis-per-class')}`;
}

function pairsHtml(csv: string | null): string {
  const rows = csv === null ? [] : parseCsv(csv).slice(1, MAX_PAIRS + 1);
  if (rows.length === 0) return '<h3>Most-confused pairs</h3><p>No confusions.</p>';
  const body = rows.map(
    ([t, p, count, share]) =>
      `<tr><td>${esc(t)}</td><td>${esc(p)}</td><td class="value">${esc(count)}</td><td class="value">${num(Number(share))}</td></tr>`,
  );
  return `<h3>Most-confused pairs</h3>${table(['true', 'predicted', 'count', 'share of true class'], body, 'analysis-pairs')}`;
}

function matrixHtml(
  title: string,
  id: string,
  classes: readonly string[],
  matrix: readonly (readonly number[])[],
  shown: readonly number[],
): string {
  const head = `<tr><th>true \\ predicted</th>${shown.map((j) => `<th>${esc(classes[j])}</th>`).join('')}</tr>`;
  const rows = shown.map(
    (i) =>
      `<tr><th scope="row">${esc(classes[i])}</th>${shown
        .map((j) => {
          const v = matrix[i][j];
          return `<td class="cell" style="background: rgba(31, 119, 180, ${Math.min(1, Math.max(0, v)).toFixed(3)})">${v === 0 ? '' : v.toFixed(2)}</td>`;
        })
        .join('')}</tr>`,
  );
  return `<h3>${esc(title)}</h3><div class="scroll"><table id="${id}"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function figure(runDir: string, rel: string, caption: string, alt: string): string {
  if (!existsSync(path.join(runDir, analysisFiles.dir, rel))) return '';
  return `<figure><img alt="${esc(alt)}" src="${esc(`${analysisFiles.dir}/${rel}`)}"><figcaption>${caption}</figcaption></figure>`;
}

function topLossesHtml(runDir: string, topLosses: readonly (TopLoss & { image: string | null })[]): string {
  if (topLosses.length === 0) return '';
  const items = topLosses.map((t) => {
    const caption = `${esc(t.trueClass)} / ${esc(t.predicted)} (${num(t.confidence)})<br>loss ${num(t.loss)}<br><small>${esc(t.path)}</small>`;
    const image =
      t.image === null ? `<figure><figcaption>${caption}</figcaption></figure>` : figure(runDir, t.image, caption, `top loss ${t.rank}`);
    const cam = figure(runDir, galleryFile(analysisFiles.camDir, t.rank), 'Grad-CAM', `Grad-CAM of top loss ${t.rank}`);
    return `<div class="top-loss" data-rank="${t.rank}">${image}${cam}</div>`;
  });
  return `<h3>Top losses</h3><p>true / predicted (confidence), highest loss first.</p><div class="gallery" id="analysis-top-losses">${items.join('')}</div>`;
}

/** The section of a multi-label run: the per-label table, the top losses with their label sets, what was skipped. */
function multilabelHtml(runDir: string, summary: Summary, rows: readonly LabelRow[]): string {
  const body = rows.map(
    (r) =>
      `<tr><th scope="row">${esc(r.name)}</th>${[r.ap, r.precision, r.recall, r.f1].map((v) => `<td class="value">${num(v)}</td>`).join('')}<td class="value">${r.support}</td><td class="value">${num(r.threshold)}</td></tr>`,
  );
  const losses = (summary.topLosses ?? []) as unknown as (MultilabelTopLoss & { image: string | null })[];
  const items = losses.map((t) => {
    const set = (labels: readonly string[]) => (labels.length === 0 ? '(none)' : labels.map(esc).join(', '));
    const caption = `true: ${set(t.trueLabels)}<br>predicted: ${set(t.predicted)}<br>BCE ${num(t.loss)}<br><small>${esc(t.path)}</small>`;
    const image =
      t.image === null ? `<figure><figcaption>${caption}</figcaption></figure>` : figure(runDir, t.image, caption, `top loss ${t.rank}`);
    const cam = figure(
      runDir,
      galleryFile(analysisFiles.camDir, t.rank),
      'Grad-CAM of the highest-scoring label',
      `Grad-CAM of top loss ${t.rank}`,
    );
    return `<div class="top-loss" data-rank="${t.rank}">${image}${cam}</div>`;
  });
  return [
    `<h2 id="analysis">Analysis</h2>`,
    `<p class="status">${esc(summary.split ?? '?')} split · ${esc(summary.samples ?? '?')} samples · mAP ${num(summary.mAP ?? Number.NaN)} · mean BCE ${num(summary.meanLoss ?? Number.NaN)} · written ${esc(summary.writtenAt ?? '')}</p>`,
    `<h3>Per label</h3><p>Precision, recall and F1 at each label's threshold.</p>${table(['label', 'AP', 'precision', 'recall', 'F1', 'support', 'threshold'], body, 'analysis-per-class')}`,
    items.length === 0
      ? ''
      : `<h3>Top losses</h3><p>By binary cross-entropy, highest first.</p><div class="gallery" id="analysis-top-losses">${items.join('')}</div>`,
    (summary.skipped ?? []).length === 0
      ? ''
      : `<h3>Not shown for a multi-label run</h3><ul>${(summary.skipped ?? []).map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`,
  ]
    .filter((p) => p !== '')
    .join('\n');
}

/**
 * The likely label errors: the rows with a thumbnail (the CSV holds them all), and how many confident
 * learning flags apart from the mere disagreements the CSV lists after them.
 */
function labelIssuesHtml(runDir: string, csv: string): string {
  const [head = [], ...rows] = parseCsv(csv);
  const confidentAt = head.indexOf('confident');
  // A CSV from before the disagreements were listed holds confident learning's issues only.
  const flagged = confidentAt < 0 ? rows.length : rows.filter((row) => row[confidentAt] === '1').length;
  const shown = rows.slice(0, LABEL_ISSUE_THUMBNAILS);
  const items = shown.map((row, rank) => {
    const caption = row.map((v, i) => `${esc(head[i] ?? i)}: ${esc(v)}`).join('<br>');
    const image = figure(runDir, galleryFile(analysisFiles.labelIssuesDir, rank), caption, `label issue ${rank}`);
    return image === '' ? `<figure><figcaption>${caption}</figcaption></figure>` : image;
  });
  const more = rows.length - flagged;
  const counts = `${flagged} flagged by confident learning${more > 0 ? `, ${more} more disagreements` : ''}`;
  const first = shown.length < rows.length ? `; the first ${shown.length} here, all in ${analysisFiles.labelIssuesCsv}` : '';
  return `<h3>Likely label errors</h3><p id="analysis-label-issues-count">${esc(counts + first)}.</p><div class="gallery" id="analysis-label-issues">${items.join('')}</div>`;
}

/** Identical files in different splits (`duplicates.csv`), one row a pair. */
function duplicatesHtml(csv: string): string {
  const [, ...rows] = parseCsv(csv);
  if (rows.length === 0) return '<h3>Duplicates across splits</h3><p>None.</p>';
  const body = rows.map(
    ([splitA, pathA, splitB, pathB]) =>
      `<tr><td>${esc(splitA)}</td><td>${esc(pathA)}</td><td>${esc(splitB)}</td><td>${esc(pathB)}</td></tr>`,
  );
  const note = `<p>${rows.length} pairs of identical files: a copy in the evaluated split inflates its accuracy, and copies with different labels are label errors.</p>`;
  return `<h3>Duplicates across splits</h3>${note}${table(['split', 'file', 'split', 'identical file'], body, 'analysis-duplicates')}`;
}

function calibrationHtml(runDir: string): string {
  const json = readJson<unknown>(path.join(runDir, analysisFiles.dir, analysisFiles.calibrationJson));
  const plot = figure(runDir, analysisFiles.reliabilityPng, 'reliability diagram', 'reliability diagram');
  if (json === null && plot === '') return '';
  return `<h3>Calibration</h3>${plot}${json === null ? '' : `<pre>${esc(JSON.stringify(json, null, 2))}</pre>`}`;
}

/**
 * The section's HTML, from `<run>/analysis/` (null when there is no analysis there).
 *
 * @example
 * const html = await analysisSectionHtml('outputs/r1');
 */
export async function analysisSectionHtml(runDir: string): Promise<string | null> {
  const dir = path.join(runDir, analysisFiles.dir);
  const summary = readJson<Summary>(path.join(dir, analysisFiles.summary));
  if (summary === null) return null;
  if (summary.task === 'multilabel')
    return multilabelHtml(runDir, summary, readJson<LabelRow[]>(path.join(dir, analysisFiles.perClassJson)) ?? []);
  const perClass = readJson<PerClassRow[]>(path.join(dir, analysisFiles.perClassJson)) ?? [];
  const confusion = readJson<{ classes: string[]; counts: number[][]; byRow: number[][]; byColumn: number[][] }>(
    path.join(dir, analysisFiles.confusionJson),
  );
  const text = (name: string) => readFile(path.join(dir, name), 'utf8').catch(() => null);
  const labelIssues = await text(analysisFiles.labelIssuesCsv);
  const parts = [
    `<h2 id="analysis">Analysis</h2>`,
    `<p class="status">${esc(summary.split ?? '?')} split · ${esc(summary.samples ?? '?')} samples · accuracy ${num(summary.accuracy ?? Number.NaN)} · mean loss ${num(summary.meanLoss ?? Number.NaN)} · written ${esc(summary.writtenAt ?? '')}</p>`,
    perClassHtml(perClass),
    pairsHtml(await text(analysisFiles.confusedPairsCsv)),
  ];
  if (confusion !== null && confusion.counts.length > 0) {
    const shown = mostConfusedClasses(confusion.counts, MAX_MATRIX_CLASSES);
    const note = shown.length < confusion.classes.length ? ` (the ${shown.length} most confused classes)` : '';
    parts.push(
      matrixHtml(`Confusion matrix by row: recall on the diagonal${note}`, 'analysis-by-row', confusion.classes, confusion.byRow, shown),
    );
    parts.push(
      matrixHtml(
        `Confusion matrix by column: precision on the diagonal${note}`,
        'analysis-by-column',
        confusion.classes,
        confusion.byColumn,
        shown,
      ),
    );
  }
  parts.push(topLossesHtml(runDir, summary.topLosses ?? []));
  if (labelIssues !== null) parts.push(labelIssuesHtml(runDir, labelIssues));
  const duplicates = await text(analysisFiles.duplicatesCsv);
  if (duplicates !== null) parts.push(duplicatesHtml(duplicates));
  parts.push(calibrationHtml(runDir));
  return parts.filter((p) => p !== '').join('\n');
}

/**
 * Puts the Analysis section into `<run>/report.html` (replacing an older one); a run without a
 * report gets a page holding the section alone.
 *
 * @example
 * await writeReportSection('outputs/r1');
 */
export async function writeReportSection(runDir: string, fileName = 'report.html'): Promise<void> {
  const html = await analysisSectionHtml(runDir);
  if (html === null) return;
  const file = path.join(runDir, fileName);
  const section = { id: ANALYSIS_SECTION_ID, html };
  const page = await readFile(file, 'utf8').catch(() => null);
  const next =
    page === null
      ? reportHtml({
          title: `run ${path.basename(runDir)}`,
          status: 'analysed',
          metrics: {},
          history: [],
          config: {},
          images: [],
          sections: [section],
        })
      : withReportSection(page, section);
  await writeFileReplacing(file, next);
}
