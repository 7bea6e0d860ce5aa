/**
 * `train -m`: a sweep, as Hydra's multirun with its BasicSweeper runs it.
 * The overrides expand into runs (the cartesian product of every sweep, in
 * override order), one at a time: a sweep of more than `maxRuns` runs
 * (1,000 unless `--max-runs` says more) is refused before any run is made.
 * Every run's config is composed and validated before any run starts, so a
 * config error in run 3 exits 2 with nothing trained; past 1,000 runs, a
 * bounded sample is checked instead (the first runs, the last, and every
 * value of every swept key), and each run still checks its own. Each
 * run then trains in turn in a child process (run-child.ts says why), in
 * `<run.sweepDir>/<n>/` with its own `.config/` as a single run has it. A
 * run that fails is recorded and the sweep goes on (exit 1 at the end); a
 * SIGINT / SIGTERM stops the sweep once the current run has saved its
 * checkpoint (exit 130 / 143). Run again with `run.sweepDir=<dir>`, the
 * sweep skips the runs that finished (their `done.json`), resumes an
 * interrupted one from its last checkpoint and runs the rest.
 * `multirun.csv` (rewritten after each run) and a table on stdout sum it up.
 *
 * @example
 * process.exitCode = await runMultirun({ configName: 'train', plugin: [], test: true, overrides: ['optimizer.lr=0.1,0.01'] });
 */
import { composeRunConfig } from '../compose-run-config.js';
import { formatDate, parseOverride } from '../../config/index.js';
import type { SweepRun } from '../../config/index.js';
import { planSweep } from '../../config/sweep.js';
import type { SweepPlan } from '../../config/sweep.js';
import { ConfigError } from '../../errors.js';
import { startRun } from './run-child.js';
import type { RunChild, RunExit } from './run-child.js';
import { SweepDir, withoutSweepDir } from './sweep-dir.js';
import { summaryCsv, summaryTable } from './sweep-summary.js';
import type { SummaryRow } from './sweep-summary.js';

/** What `train -m` was given. */
export interface MultirunOptions {
  configDir?: string;
  configName: string;
  plugin: readonly string[];
  /** Test each run's best checkpoint after training (train's --no-test turns it off). */
  test: boolean;
  overrides: readonly string[];
  /** The most runs the sweep may have (default `DEFAULT_MAX_RUNS`; train's --max-runs). */
  maxRuns?: number;
}

/** A sweep of more runs is refused unless `--max-runs` raises the limit. */
export const DEFAULT_MAX_RUNS = 1000;

/**
 * `--max-runs` as typed: a positive integer, or undefined when not given.
 *
 * @example
 * parseMaxRuns('5000'); // 5000
 */
export function parseMaxRuns(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (/^\s*\d+\s*$/.test(text) && Number.isSafeInteger(n) && n > 0) return n;
  throw new ConfigError(`train: expected --max-runs to be a positive integer, but got ${JSON.stringify(text)}`);
}

/** Up to this many runs every run's config is checked before run 0; past it, a sample (`checkedRuns`). */
const CHECK_EVERY_RUN_UP_TO = 1000;

const exitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** `run 3 (model=resnet34 optimizer.lr=0.01)`. */
export function describeRun(run: SweepRun): string {
  const values = Object.entries(run.swept).map(([k, v]) => `${k}=${v}`);
  return `run ${run.n}${values.length === 0 ? '' : ` (${values.join(' ')})`}`;
}

/** A value for an override, quoted so that any path reads back as itself. */
const quoted = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** Runs the sweep; returns the exit code (0, 1 when a run failed, 130 / 143 when interrupted). */
export async function runMultirun(options: MultirunOptions): Promise<number> {
  const plan = planSweep(options.overrides);
  refuseRunKeys(options.overrides);
  refuseSize(plan, options.maxRuns ?? DEFAULT_MAX_RUNS);
  const sweep = { keys: plan.keys, runs: [...plan.runs()] };
  const sweepDir = await validateRuns(options, checkedRuns(plan, sweep.runs), sweep.runs.length);
  const dir = new SweepDir(sweepDir);
  dir.claim(sweep.runs);
  console.error(`multirun: ${sweep.runs.length} run${sweep.runs.length === 1 ? '' : 's'} in ${dir.root}`);
  console.error(`multirun: to finish it after an interruption, run the same command with run.sweepDir=${dir.root}`);

  const rows: SummaryRow[] = sweep.runs.map((run) => {
    const marker = dir.done(run.n);
    return {
      n: run.n,
      swept: run.swept,
      status: marker === null ? 'pending' : 'success',
      metrics: { ...marker?.metrics, ...marker?.test },
    };
  });
  const stopper = new Stopper();
  stopper.install();
  try {
    for (const run of sweep.runs) {
      if (stopper.signal !== null) break;
      if (rows[run.n].status === 'success') {
        console.error(`multirun: ${describeRun(run)} finished earlier: skipped`);
        continue;
      }
      const resume = dir.hasCheckpoint(run.n);
      console.error(`multirun: ${describeRun(run)} of ${sweep.runs.length}${resume ? ', resumed from its last checkpoint' : ''}`);
      const overrides = runOverrides(dir, run, resume);
      const exit = await stopper.wait(startRun(['train', ...configFlags(options), ...overrides]));
      rows[run.n] = finish(dir, { ...run, overrides }, exit, rows[run.n]);
      if (rows[run.n].status === 'interrupted') stopper.stopped(exit.code === 143 || exit.signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
      dir.writeSummary(summaryCsv(sweep.keys, rows));
    }
  } finally {
    stopper.uninstall();
  }
  const file = dir.writeSummary(summaryCsv(sweep.keys, rows));
  console.log(summaryTable(sweep.keys, rows));
  const failed = rows.filter((r) => r.status === 'failed').length;
  console.error(`multirun: summary in ${file}${failed > 0 ? `; ${failed} run${failed === 1 ? '' : 's'} failed` : ''}`);
  if (stopper.signal !== null) return exitCodes[stopper.signal];
  return failed > 0 ? 1 : 0;
}

/** A run's overrides as its own `train` gets them: the sweep's, then its dirs (and a resume). */
function runOverrides(dir: SweepDir, run: SweepRun, resume: boolean): string[] {
  return [
    ...withoutSweepDir(run.overrides),
    `run.sweepDir=${quoted(dir.root)}`,
    `run.dir=${quoted(dir.runDir(run.n))}`,
    ...(resume ? ['ckptPath=last'] : []),
  ];
}

function configFlags(options: MultirunOptions): string[] {
  return [
    ...(options.configDir === undefined ? [] : ['--config-dir', options.configDir]),
    '--config-name',
    options.configName,
    ...options.plugin.flatMap((p) => ['--plugin', p]),
    ...(options.test ? [] : ['--no-test']),
  ];
}

/** The row of a run that ended; a success gets its marker. */
function finish(dir: SweepDir, run: SweepRun, exit: RunExit, row: SummaryRow): SummaryRow {
  if (exit.code === 0) {
    const result = parseResult(exit.stdout);
    dir.markDone({ n: run.n, overrides: run.overrides, ...result, finishedAt: new Date().toISOString() });
    return { ...row, status: 'success', metrics: { ...result.metrics, ...result.test } };
  }
  if (exit.code === 130 || exit.code === 143 || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM') {
    console.error(`multirun: ${describeRun(run)} was interrupted`);
    return { ...row, status: 'interrupted' };
  }
  console.error(
    `multirun: ${describeRun(run)} failed (${exit.code === null ? `killed by ${exit.signal}` : `exit code ${exit.code}`}); going on`,
  );
  return { ...row, status: 'failed' };
}

/** What `train` prints on stdout: `{ runDir, metrics, test? }`; an unreadable result is no metrics. */
function parseResult(stdout: string): { metrics: Record<string, number>; test?: Record<string, number> } {
  try {
    const result = JSON.parse(stdout) as { metrics?: Record<string, number>; test?: Record<string, number> };
    return { metrics: result.metrics ?? {}, ...(result.test === undefined ? {} : { test: result.test }) };
  } catch {
    return { metrics: {} };
  }
}

/** `run.dir` and `ckptPath` belong to each run, and one sweep has one dir: a usage error otherwise. */
function refuseRunKeys(overrides: readonly string[]): void {
  const issues: ConfigError['issues'][number][] = [];
  for (const text of overrides) {
    const o = parseOverride(text);
    const location = `override '${text}'`;
    if (o.key === 'run.dir') {
      issues.push({
        path: o.key,
        message: 'expected no run.dir with -m/--multirun (run n goes to <run.sweepDir>/<n>), but got one; set run.sweepDir',
        location,
      });
    } else if (o.key === 'ckptPath') {
      issues.push({
        path: o.key,
        message: 'expected no ckptPath with -m/--multirun (an interrupted run resumes by itself when the sweep runs again), but got one',
        location,
      });
    } else if (o.key === 'run.sweepDir' && o.sweepValues !== undefined) {
      issues.push({ path: o.key, message: `expected one sweep dir, but got a sweep of ${o.sweepValues.length}`, location });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues.map((i) => `${i.location}: ${i.message}`).join('\n'), issues);
}

/** A sweep past `maxRuns` is a usage error naming each sweep's size and the escape hatch. */
function refuseSize(plan: SweepPlan, maxRuns: number): void {
  if (plan.count <= maxRuns) return;
  const sizes = plan.keys.map((k, i) => `${plan.sizes[i].toLocaleString('en-US')} values of ${k}`).join(' x ');
  const count = plan.count.toLocaleString('en-US');
  const message = `multirun: expected at most ${maxRuns.toLocaleString('en-US')} runs, but got ${count} (${sizes}); sweep fewer values, or raise the limit with --max-runs ${Number.isSafeInteger(plan.count) ? plan.count : '<n>'}`;
  throw new ConfigError(message);
}

/**
 * The runs whose config is checked before run 0: all of them up to
 * CHECK_EVERY_RUN_UP_TO; past it, the first runs, the last one, and each
 * value of every swept key (evenly spaced past 64 values) with the other
 * keys at their first, so every group choice composes once.
 */
function checkedRuns(plan: SweepPlan, runs: readonly SweepRun[]): readonly SweepRun[] {
  if (runs.length <= CHECK_EVERY_RUN_UP_TO) return runs;
  const picked = new Set<number>([...Array.from({ length: 16 }, (_, n) => n), runs.length - 1]);
  plan.sizes.forEach((size, s) => {
    const steps = Math.min(size, 64);
    for (let j = 0; j < steps; j++) {
      const choice = plan.sizes.map(() => 0);
      choice[s] = steps === size ? j : Math.round((j * (size - 1)) / (steps - 1));
      picked.add(plan.runOf(choice).n);
    }
  });
  return [...picked].sort((a, b) => a - b).map((n) => runs[n]);
}

/**
 * Composes and validates the runs to check (before libtorch loads); returns
 * the sweep dir. The issues of all runs come in one ConfigError, each naming
 * the runs it occurs in.
 */
async function validateRuns(options: MultirunOptions, runs: readonly SweepRun[], total: number): Promise<string> {
  const builder = await import('../run-builder.js');
  await builder.loadComponents(options.plugin);
  const found = new Map<string, { issue: ConfigError['issues'][number]; runs: SweepRun[] }>();
  let sweepDir: unknown;
  for (const run of runs) {
    try {
      const composed = composeRunConfig({ configDir: options.configDir, configName: options.configName, overrides: run.overrides });
      builder.validateRunConfig(composed.config, composed.sources);
      sweepDir ??= (composed.config.run as { sweepDir?: unknown } | undefined)?.sweepDir;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues.length > 0 ? error.issues : [{ path: '', message: error.message }]) {
        const key = JSON.stringify([issue.path, issue.message, issue.location]);
        found.set(key, { issue, runs: [...(found.get(key)?.runs ?? []), run] });
      }
    }
  }
  if (found.size > 0) {
    const values = (r: SweepRun): string =>
      Object.entries(r.swept)
        .map(([k, v]) => ` ${k}=${v}`)
        .join('');
    const where = (bad: SweepRun[]): string => (bad.length === total ? 'every run' : bad.map((r) => `run ${r.n}:${values(r)}`).join('; '));
    const issues = [...found.values()].map(({ issue, runs: bad }) => ({
      path: issue.path,
      message:
        issue.location === undefined || issue.message.includes(issue.location) ? issue.message : `${issue.message} (${issue.location})`,
      location: `in ${where(bad)}`,
    }));
    const bad = new Set([...found.values()].flatMap((f) => f.runs)).size;
    const of = runs.length === total ? `${total} runs` : `${runs.length} runs checked (a sample of ${total})`;
    console.error(`multirun: no run started: ${bad} of ${of} have an invalid config`);
    throw new ConfigError(issues.map((i) => `${i.path}: ${i.message} (${i.location})`).join('\n'), issues);
  }
  return typeof sweepDir === 'string' ? sweepDir : `multirun/${formatDate(new Date(), 'YYYY-MM-DD/HH-mm-ss')}`;
}

/** SIGINT / SIGTERM: passed on to the running child once; the sweep stops after it. */
class Stopper {
  signal: 'SIGINT' | 'SIGTERM' | null = null;
  #child: RunChild | null = null;
  readonly #handlers = new Map<string, () => void>();

  install(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const handler = (): void => {
        if (this.signal !== null) {
          console.error(`multirun: ${signal} received again: waiting for the run to save its checkpoint`);
          return;
        }
        this.signal = signal;
        console.error(`multirun: ${signal} received: stopping the sweep once the current run has saved its checkpoint`);
        this.#child?.interrupt(signal);
      };
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** A child stopped by a signal of its own also stops the sweep. */
  stopped(signal: 'SIGINT' | 'SIGTERM'): void {
    this.signal ??= signal;
  }

  async wait(child: RunChild): Promise<RunExit> {
    this.#child = child;
    try {
      return await child.exited;
    } finally {
      this.#child = null;
    }
  }

  uninstall(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
    this.#handlers.clear();
  }
}
