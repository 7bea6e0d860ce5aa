/**
 * What a run's page shows beyond its summary, from its files: the confusion
 * matrix of every epoch (`plots/confusion_matrices.jsonl`, one line per
 * validation or test run; a run from before that file has only the last one,
 * `plots/confusion_matrix.csv`), the per-class table of its analysis
 * (`analysis/per_class.json`) or else the per-class accuracies it logged, the
 * files worth showing (samples, the analysis' top losses, label issues and
 * Grad-CAM overlays under `analysis/`, the model summary, the profiler's
 * report, report.html) and system figures it logged. File names are the
 * analysis' own (src/analysis/analysis-files.ts), read as files: the
 * dashboard imports nothing of the layers that write them.
 *
 * @example
 * runDetails(run.dir, summary);
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfusionEntry, DetailsResponse, RunFiles, RunSummary } from './api-types.js';
import { splitCsvLine } from './metrics-rows.js';

/** Every file under the run dir, relative with `/`, two folders deep at most (checkpoints skipped). */
function listFiles(dir: string, prefix = '', depth = 0, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const relative = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isFile()) out.push(relative);
    else if (e.isDirectory() && depth < 2 && !e.name.startsWith('.') && e.name !== 'checkpoints') listFiles(dir, relative, depth + 1, out);
  }
  return out;
}

function readConfusion(dir: string): ConfusionEntry[] {
  const entries: ConfusionEntry[] = [];
  try {
    for (const line of readFileSync(path.join(dir, 'plots', 'confusion_matrices.jsonl'), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const e = JSON.parse(line) as ConfusionEntry;
        if (Array.isArray(e.matrix) && Array.isArray(e.classNames)) entries.push(e);
      } catch {
        // a line cut by a crash
      }
    }
  } catch {
    return lastConfusion(dir);
  }
  return entries.sort((a, b) => a.split.localeCompare(b.split) || a.epoch - b.epoch);
}

/** The one matrix a run from before the per-epoch file kept (rows: true class; first cell `true\pred`). */
function lastConfusion(dir: string): ConfusionEntry[] {
  try {
    const lines = readFileSync(path.join(dir, 'plots', 'confusion_matrix.csv'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(splitCsvLine);
    const [header, ...rows] = lines;
    return [{ epoch: -1, split: 'val', classNames: header.slice(1), matrix: rows.map((r) => r.slice(1).map(Number)) }];
  } catch {
    return [];
  }
}

function perClassOf(metrics: Readonly<Record<string, number>>): Record<string, unknown>[] | null {
  const rows = new Map<string, Record<string, unknown>>();
  for (const [name, value] of Object.entries(metrics)) {
    const m = /^(\w+)\/acc_class\/(.+)$/.exec(name);
    if (m === null) continue;
    const row = rows.get(m[2]) ?? { class: m[2] };
    row[`${m[1]}/accuracy`] = value;
    rows.set(m[2], row);
  }
  return rows.size === 0 ? null : [...rows.values()];
}

/** The rank in a gallery file's name (`cam/3.png` → 3). */
const rankOf = (file: string): number => Number(/(\d+)\.png$/.exec(file)?.[1] ?? Number.MAX_SAFE_INTEGER);

/** The analysis' per-class table (`analysis/per_class.json`: precision, recall, F1, support), or null. */
function analysisPerClass(dir: string): Record<string, unknown>[] | null {
  try {
    const rows = JSON.parse(readFileSync(path.join(dir, 'analysis', 'per_class.json'), 'utf8')) as unknown;
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : null;
  } catch {
    return null;
  }
}

function filesOf(dir: string): RunFiles {
  const files = listFiles(dir).sort();
  const first = (pattern: RegExp) => files.find((f) => pattern.test(f)) ?? null;
  return {
    samples: files.filter((f) => /(^|\/)samples[^/]*\.(png|jpe?g)$/.test(f)),
    topLosses: first(/^analysis\/top_losses\.csv$/),
    labelIssues: first(/^analysis\/label_issues\.csv$/),
    cams: files.filter((f) => /^analysis\/cam\/[^/]+\.png$/.test(f)).sort((a, b) => rankOf(a) - rankOf(b)),
    modelSummary: first(/model_summary[^/]*\.(txt|md)$/),
    profiler: first(/^profile-[^/]+\.txt$/),
    report: first(/^report\.html$/),
  };
}

function systemOf(metrics: Readonly<Record<string, number>>): DetailsResponse['system'] {
  const system: DetailsResponse['system'] = {};
  for (const [name, value] of Object.entries(metrics)) {
    if (/img_?per_?s|images?_per_s|throughput/i.test(name)) system.imgPerSec = value;
    else if (/rss/i.test(name)) system.rssMB = /mb/i.test(name) ? value : value / (1 << 20);
  }
  return system;
}

/**
 * The details of one run.
 *
 * @example
 * runDetails('/abs/outputs/r1', summary).confusion.length;
 */
export function runDetails(dir: string, summary: RunSummary): DetailsResponse {
  return {
    summary,
    confusion: readConfusion(dir),
    perClass: analysisPerClass(dir) ?? perClassOf(summary.lastMetrics),
    files: filesOf(dir),
    system: systemOf(summary.lastMetrics),
  };
}
