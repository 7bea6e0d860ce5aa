/**
 * `classifier-training data check <root>`: runs `dataCheck` (src/data/)
 * on a data folder and prints its report, as a class x split table and a
 * section per kind of finding, or as JSON; exit code 1 when it found a
 * problem.
 *
 * @example
 * register(program); // classifier-training data check data/pets --json
 */
import type { Command } from 'commander';
import { dataCheck } from '../../data/data-check.js';
import type { DataCheckOptions, DataCheckReport } from '../../data/data-check.js';

/**
 * The report as text: a class × split table, then each kind of finding.
 *
 * @example
 * console.log(formatDataCheck(await dataCheck('data/pets')));
 */
export function formatDataCheck(report: DataCheckReport): string {
  const width = Math.max(5, ...report.classes.map((c) => c.length));
  const cols = report.splits;
  const row = (name: string, cells: (string | number)[]): string =>
    `  ${name.padEnd(width)}  ${cells.map((c) => String(c).padStart(7)).join('  ')}`;
  const total = (split: string): number => Object.values(report.counts[split] ?? {}).reduce((a, b) => a + b, 0);
  const lines = [
    `${report.root} (${report.format}): ${report.classes.length} classes, ${cols.map((s) => `${s} ${total(s)}`).join(', ')}`,
    row('class', cols),
    ...report.classes.map((c) =>
      row(
        c,
        cols.map((s) => report.counts[s]?.[c] ?? 0),
      ),
    ),
    row('total', cols.map(total)),
  ];
  const section = (title: string, items: string[]): void => {
    if (items.length > 0)
      lines.push(
        `${title} (${items.length}):`,
        ...items.slice(0, 20).map((i) => `  ${i}`),
        ...(items.length > 20 ? [`  ... and ${items.length - 20} more`] : []),
      );
  };
  section(
    'unreadable files',
    report.unreadable.map((u) => `${u.path}: ${u.reason}`),
  );
  section(
    'empty classes',
    report.emptyClasses.map((e) => `${e.split}/${e.className}`),
  );
  section(
    'classes missing from a split',
    report.missingClasses.map((m) => (m.split === 'train' ? `${m.className}: not in train` : `${m.className}: not in ${m.split}`)),
  );
  section(
    'duplicates across splits',
    report.duplicates.map((d) => d.paths.join(' == ')),
  );
  section('images outside a class folder (ignored in training)', report.strayFiles);
  section(
    'refused by training',
    report.trainingErrors.map((e) => `${e.split}: ${e.reason}`),
  );
  if (report.singleClass !== null) lines.push(`only one class ('${report.singleClass}'): a classifier needs at least two`);
  lines.push(report.problems === 0 ? 'no problems found' : `${report.problems} problem(s) found`);
  return lines.join('\n');
}

/**
 * Adds `data check <root>` to the program (under a `data` command, created if absent).
 *
 * @example
 * register(program); // classifier-training data check data/pets --json
 */
export function register(program: Command): void {
  const data = program.commands.find((c) => c.name() === 'data') ?? program.command('data').description('inspect data sets');
  data
    .command('check')
    .description('report unreadable images, empty or missing classes, duplicates across splits and per-class counts')
    .argument('<root>', 'data folder (image folder, JSONL annotations or IDX files)')
    .option('--format <format>', 'auto, folder, jsonl or idx', 'auto')
    .option('--no-decode', 'only hash files (faster; unreadable images go unnoticed)')
    .option('--concurrency <n>', 'files read at once', (v) => Number.parseInt(v, 10), 8)
    .option('--json', 'print the report as JSON')
    .action(async (root: string, opts: { format: DataCheckOptions['format']; decode: boolean; concurrency: number; json?: boolean }) => {
      const report = await dataCheck(root, {
        format: opts.format,
        decode: opts.decode,
        concurrency: opts.concurrency,
        onWarning: (m) => console.warn(m),
      });
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatDataCheck(report));
      if (report.problems > 0) process.exitCode = 1;
    });
}
