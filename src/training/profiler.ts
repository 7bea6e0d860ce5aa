/**
 * `SimpleProfiler`: Lightning's `profiler="simple"`. It times named actions
 * of a run — every callback hook (`[Callback]ModelCheckpoint.onValidationEnd`),
 * the wait for each train batch (`get_train_batch`), forward + backward
 * (`run_training_batch`), the optimizer step, each evaluation pass and each
 * checkpoint write — and reports count, mean, total and share of the stage's
 * wall time per action, slowest first. The Trainer prints the report at the
 * end of each stage and writes it to `<runDir>/profile-<stage>.txt`.
 *
 * Without a profiler (the default) nothing is timed: the loops call through
 * `profile()` / `iterate()` with `null`, which add no work.
 *
 * @example
 * const trainer = new Trainer({ profiler: 'simple' });   // or trainer.profiler=simple on the command line
 * const p = new SimpleProfiler();
 * await p.profile('save_checkpoint', () => trainer.saveCheckpoint(file));
 */

interface Totals {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** Times named actions; see the module doc. */
export class SimpleProfiler {
  readonly #actions = new Map<string, Totals>();
  #startedAt = performance.now();

  /** Forgets every action and restarts the stage's clock. */
  reset(): void {
    this.#actions.clear();
    this.#startedAt = performance.now();
  }

  /** Adds one timed occurrence of `action`. @example p.record('get_train_batch', 1.5); */
  record(action: string, ms: number): void {
    const t = this.#actions.get(action);
    if (t === undefined) this.#actions.set(action, { count: 1, totalMs: ms, maxMs: ms });
    else {
      t.count++;
      t.totalMs += ms;
      if (ms > t.maxMs) t.maxMs = ms;
    }
  }

  /** Per action: count, total, mean and max ms, slowest total first. */
  rows(): { action: string; count: number; totalMs: number; meanMs: number; maxMs: number }[] {
    return [...this.#actions]
      .map(([action, t]) => ({ action, count: t.count, totalMs: t.totalMs, meanMs: t.totalMs / t.count, maxMs: t.maxMs }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  /** The report as a text table, with each action's share of the wall time since `reset`. */
  summary(title: string): string {
    const wall = performance.now() - this.#startedAt;
    const header = ['Action', 'Count', 'Mean (ms)', 'Max (ms)', 'Total (s)', '% of wall'];
    const body = this.rows().map((r) => [
      r.action,
      String(r.count),
      r.meanMs.toFixed(2),
      r.maxMs.toFixed(2),
      (r.totalMs / 1000).toFixed(3),
      ((100 * r.totalMs) / wall).toFixed(1),
    ]);
    body.unshift(['Total (wall)', '1', wall.toFixed(2), wall.toFixed(2), (wall / 1000).toFixed(3), '100.0']);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    return [`${title} profiler report`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
  }
}

/**
 * Runs `fn`, timing it as `action` when `profiler` is set.
 *
 * @example
 * await profile(trainer.profiler, 'run_validation', () => runEvaluation(trainer, 'val', loader));
 */
export async function profile<T>(profiler: SimpleProfiler | null, action: string, fn: () => T | Promise<T>): Promise<T> {
  if (profiler === null) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    profiler.record(action, performance.now() - start);
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
          const start = performance.now();
          try {
            return await it.next();
          } finally {
            profiler.record(action, performance.now() - start);
          }
        },
        async return(value?: unknown) {
          return it.return?.(value) ?? { done: true as const, value: undefined };
        },
      };
    },
  };
}
