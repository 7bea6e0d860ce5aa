/**
 * The runs the dashboard knows, by id: discovery again at most once a
 * second, one stats-only tailer per run (last and best values, a few
 * numbers each), and series tailers (full curves, capped) for the few runs
 * whose curves were asked for lately, so memory does not grow with the
 * number of runs times their length.
 *
 * @example
 * const index = new RunIndex(['outputs', 'multirun']);
 * index.summaries().map((s) => s.name);
 * index.curveTailer(id)?.series('val/acc_top1');
 */
import type { RunSummary } from './api-types.js';
import { MetricsTailer } from './metrics-tailer.js';
import { discoverRuns } from './run-discovery.js';
import type { DiscoveredRun, DiscoveredSweep } from './run-discovery.js';
import { configHeadline } from './run-config.js';
import { summarizeRun } from './run-summary.js';

/** Options of `RunIndex`. */
export interface RunIndexOptions {
  /** How long a discovery is reused (default 1000 ms). */
  rescanMs?: number;
  /** How many runs keep full series at once (default 8). */
  seriesRuns?: number;
  /** The most points a series keeps (default 20,000). */
  maxPoints?: number;
}

/** The runs under the dashboard's roots. */
export class RunIndex {
  readonly roots: readonly string[];
  readonly #rescanMs: number;
  readonly #seriesRuns: number;
  readonly #maxPoints: number;
  #runs = new Map<string, DiscoveredRun>();
  #scannedAt = -Infinity;
  readonly #stats = new Map<string, MetricsTailer>();
  /** Least recently used first. */
  readonly #series = new Map<string, MetricsTailer>();

  constructor(roots: readonly string[], options: RunIndexOptions = {}) {
    this.roots = roots;
    this.#rescanMs = options.rescanMs ?? 1000;
    this.#seriesRuns = options.seriesRuns ?? 8;
    this.#maxPoints = options.maxPoints ?? 20_000;
  }

  /** Every run found, discovering again when the last look is older than `rescanMs`. */
  runs(): DiscoveredRun[] {
    const now = performance.now();
    if (now - this.#scannedAt >= this.#rescanMs) {
      this.#runs = new Map(discoverRuns(this.roots).map((r) => [r.id, r]));
      this.#scannedAt = now;
      for (const id of this.#stats.keys()) if (!this.#runs.has(id)) this.#stats.delete(id);
    }
    return [...this.#runs.values()];
  }

  /** A run by id (discovering again once when it is not known yet), or undefined. */
  get(id: string): DiscoveredRun | undefined {
    if (!this.#runs.has(id)) this.#scannedAt = -Infinity;
    this.runs();
    return this.#runs.get(id);
  }

  /** A sweep by id, or undefined. */
  sweep(id: string): DiscoveredSweep | undefined {
    return this.runs().find((r) => r.sweep?.id === id)?.sweep ?? undefined;
  }

  /** Every run's summary, each tailer brought up to date. */
  summaries(): RunSummary[] {
    return this.runs().map((run) => this.summary(run));
  }

  /** One run's summary, its tailer brought up to date. */
  summary(run: DiscoveredRun): RunSummary {
    let tailer = this.#stats.get(run.id);
    if (tailer === undefined) {
      tailer = new MetricsTailer(run.dir, { collectRows: false });
      this.#stats.set(run.id, tailer);
    }
    tailer.poll();
    return summarizeRun(run, tailer, configHeadline(run.dir));
  }

  /** The series tailer of a run, up to date (made on first use; the least recently used one is dropped past `seriesRuns`). */
  curveTailer(id: string): MetricsTailer | undefined {
    const run = this.get(id);
    if (run === undefined) return undefined;
    let tailer = this.#series.get(id);
    if (tailer === undefined) {
      tailer = new MetricsTailer(run.dir, { keepSeries: true, maxPoints: this.#maxPoints });
      if (this.#series.size >= this.#seriesRuns) this.#series.delete(this.#series.keys().next().value!);
    }
    this.#series.delete(id);
    this.#series.set(id, tailer);
    tailer.poll();
    return tailer;
  }
}
