/**
 * `SimpleProfiler`: Lightning's `profiler="simple"`. It times named actions
 * of a run — every callback hook (`[Callback]ModelCheckpoint.onValidationEnd`),
 * the wait for each train batch (`get_train_batch`), forward + backward
 * (`run_training_batch`), the optimizer step, each evaluation pass and each
 * checkpoint write — and reports count, mean, total and share of the stage's
 * wall time per action, slowest first. The Trainer prints the report at the
 * end of each stage and writes it to `<runDir>/profile-<stage>.txt`.
 *
 * It also reports how busy the machine's cores were: the process's CPU time
 * (user + system, every thread: libtorch's, the data loader's, the main one)
 * over the stage's wall time, as `1.82 of 2 cores (91%)`, and the same per
 * top-level action in `CPU_ACTIONS` with that action's share of the stage's
 * CPU time. A stage that leaves cores idle is waiting on something. Busy is
 * not useful: libtorch's OpenMP threads spin a while after each parallel
 * op before they sleep, and that spinning counts as CPU time too.
 *
 * Without a profiler (the default) nothing is timed: the loops call through
 * `profile()` / `iterate()` with `null`, which add no work.
 *
 * @example
 * const trainer = new Trainer({ profiler: 'simple' });   // or trainer.profiler=simple on the command line
 * const p = new SimpleProfiler();
 * await profile(p, 'save_checkpoint', () => trainer.saveCheckpoint(file));
 * p.summary('FIT'); // CPU: 1.82 of 2 cores (91%) busy over the stage ...
 */
import { availableParallelism } from 'node:os';

/**
 * The actions whose CPU time is measured too: the loops' top-level ones. Hooks
 * run thousands of times a stage, each too short for CPU time to mean much.
 */
export const CPU_ACTIONS: ReadonlySet<string> = new Set([
  'get_train_batch',
  'run_training_batch',
  'optimizer_step',
  'run_validation',
  'run_sanity_check',
  'save_checkpoint',
]);

/** Where the profiler reads time; tests pass their own. */
export interface ProfilerClock {
  /** Wall time in ms (default `performance.now`). */
  now?: () => number;
  /** The process's CPU time so far (default `process.cpuUsage`, in µs). */
  cpuUsage?: () => NodeJS.CpuUsage;
  /** The cores the process may use (default `os.availableParallelism()`). */
  cores?: number;
}

interface Totals {
  count: number;
  totalMs: number;
  maxMs: number;
  cpuMs: number | null;
}

/** When an occurrence of an action began (`begin`), for `end`. */
export interface ProfileMark {
  readonly startMs: number;
  readonly cpuMs: number | null;
}

/** One action's line of the report. */
export interface ProfileRow {
  action: string;
  count: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  /** The process's CPU time during the action (every thread), or null when not measured (see CPU_ACTIONS). */
  cpuMs: number | null;
}

/** The process's CPU use over a span of wall time. */
export interface CpuUtilisation {
  wallMs: number;
  cpuMs: number;
  cores: number;
  /** Cores busy on average: cpuMs / wallMs. */
  busyCores: number;
}

/** Times named actions; see the module doc. */
export class SimpleProfiler {
  readonly #actions = new Map<string, Totals>();
  readonly #now: () => number;
  readonly #cpuUsage: () => NodeJS.CpuUsage;
  readonly #cores: number;
  #startedAt: number;
  #cpuAtStart: number;

  constructor(clock: ProfilerClock = {}) {
    this.#now = clock.now ?? (() => performance.now());
    this.#cpuUsage = clock.cpuUsage ?? (() => process.cpuUsage());
    this.#cores = clock.cores ?? availableParallelism();
    this.#startedAt = this.#now();
    this.#cpuAtStart = this.#cpuMs();
  }

  /** Forgets every action and restarts the stage's clocks. */
  reset(): void {
    this.#actions.clear();
    this.#startedAt = this.#now();
    this.#cpuAtStart = this.#cpuMs();
  }

  /** Adds one timed occurrence of `action`; `cpuMs` when its CPU time was measured. @example p.record('get_train_batch', 1.5); */
  record(action: string, ms: number, cpuMs: number | null = null): void {
    const t = this.#actions.get(action);
    if (t === undefined) this.#actions.set(action, { count: 1, totalMs: ms, maxMs: ms, cpuMs });
    else {
      t.count++;
      t.totalMs += ms;
      if (ms > t.maxMs) t.maxMs = ms;
      if (cpuMs !== null) t.cpuMs = (t.cpuMs ?? 0) + cpuMs;
    }
  }

  /** Starts an occurrence of `action` (with its CPU time when in CPU_ACTIONS); `end` records it. @example const m = p.begin('x'); p.end('x', m); */
  begin(action: string): ProfileMark {
    return { startMs: this.#now(), cpuMs: CPU_ACTIONS.has(action) ? this.#cpuMs() : null };
  }

  /** Records the occurrence `mark` began. @example p.end('save_checkpoint', mark); */
  end(action: string, mark: ProfileMark): void {
    this.record(action, this.#now() - mark.startMs, mark.cpuMs === null ? null : this.#cpuMs() - mark.cpuMs);
  }

  /** Per action: count, total, mean and max ms and CPU ms, slowest total first. */
  rows(): ProfileRow[] {
    return [...this.#actions]
      .map(([action, t]) => ({ action, count: t.count, totalMs: t.totalMs, meanMs: t.totalMs / t.count, maxMs: t.maxMs, cpuMs: t.cpuMs }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  /** The process's CPU use since `reset` (or construction). @example p.cpuUtilisation().busyCores; // 1.82 */
  cpuUtilisation(): CpuUtilisation {
    const wallMs = this.#now() - this.#startedAt;
    const cpuMs = this.#cpuMs() - this.#cpuAtStart;
    return { wallMs, cpuMs, cores: this.#cores, busyCores: wallMs > 0 ? cpuMs / wallMs : 0 };
  }

  /** The report as a text table, with each action's share of the wall time (and CPU time) since `reset`. */
  summary(title: string): string {
    const stage = this.cpuUtilisation();
    const wall = stage.wallMs;
    const header = ['Action', 'Count', 'Mean (ms)', 'Max (ms)', 'Total (s)', '% of wall', 'CPU (s)', '% of CPU', 'Cores busy'];
    const cpuCells = (cpuMs: number | null, wallMs: number): string[] =>
      cpuMs === null
        ? ['-', '-', '-']
        : [(cpuMs / 1000).toFixed(3), percent(cpuMs, stage.cpuMs), wallMs > 0 ? (cpuMs / wallMs).toFixed(2) : '-'];
    const body = this.rows().map((r) => [
      r.action,
      String(r.count),
      r.meanMs.toFixed(2),
      r.maxMs.toFixed(2),
      (r.totalMs / 1000).toFixed(3),
      percent(r.totalMs, wall),
      ...cpuCells(r.cpuMs, r.totalMs),
    ]);
    body.unshift([
      'Total (wall)',
      '1',
      wall.toFixed(2),
      wall.toFixed(2),
      (wall / 1000).toFixed(3),
      '100.0',
      ...cpuCells(stage.cpuMs, wall),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    return [
      `${title} profiler report`,
      `CPU: ${describeUtilisation(stage)} busy over the stage (process CPU time / wall time)`,
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...body.map(line),
    ].join('\n');
  }

  #cpuMs(): number {
    const { user, system } = this.#cpuUsage();
    return (user + system) / 1000;
  }
}

function percent(part: number, whole: number): string {
  return whole > 0 ? ((100 * part) / whole).toFixed(1) : '-';
}

/**
 * `1.82 of 2 cores (91%)`.
 *
 * @example
 * describeUtilisation({ wallMs: 1000, cpuMs: 1820, cores: 2, busyCores: 1.82 }); // '1.82 of 2 cores (91%)'
 */
export function describeUtilisation(u: CpuUtilisation): string {
  return `${u.busyCores.toFixed(2)} of ${u.cores} cores (${((100 * u.busyCores) / u.cores).toFixed(0)}%)`;
}

/**
 * Runs `fn`, timing it as `action` when `profiler` is set.
 *
 * @example
 * await profile(trainer.profiler, 'run_validation', () => runEvaluation(trainer, 'val', loader));
 */
export async function profile<T>(profiler: SimpleProfiler | null, action: string, fn: () => T | Promise<T>): Promise<T> {
  if (profiler === null) return fn();
  const mark = profiler.begin(action);
  try {
    return await fn();
  } finally {
    profiler.end(action, mark);
  }
}

/**
 * The same iterable, with the wait for each item timed as `action` when `profiler` is set.
 *
 * @example
 * for await (const batch of iterate(trainer.profiler, 'get_train_batch', loader.epoch(0))) ...
 */
export function iterate<T>(profiler: SimpleProfiler | null, action: string, items: AsyncIterable<T>): AsyncIterable<T> {
  if (profiler === null) return items;
  return {
    [Symbol.asyncIterator]() {
      const it = items[Symbol.asyncIterator]();
      return {
        async next() {
          const mark = profiler.begin(action);
          try {
            return await it.next();
          } finally {
            profiler.end(action, mark);
          }
        },
        async return(value?: unknown) {
          return it.return?.(value) ?? { done: true as const, value: undefined };
        },
      };
    },
  };
}
