/**
 * The dashboard's JSON API, as the server answers it and the page reads it.
 * Every path is under the server's origin; with a token (a non-loopback
 * `--host`) every request carries `?token=` once, then the cookie it sets.
 * The server only reads: every route is a GET, anything else answers 404/405.
 *
 * Routes:
 * - `GET /api/runs` → {@link RunsResponse}
 * - `GET /api/runs/:id/curve?metric=<name>&x=step|epoch|time&points=<max, default 2000>` → {@link CurveResponse}
 * - `GET /api/runs/:id/stream` → server-sent events: `event: metrics` ({@link MetricsEvent}), `event: status` ({@link RunSummary})
 * - `GET /api/runs/:id/config` → {@link ConfigResponse}
 * - `GET /api/runs/:id/details` → {@link DetailsResponse}
 * - `GET /api/runs/:id/file/<relative path>` → the file itself, confined to the run dir (404 otherwise)
 * - `GET /api/compare?ids=a,b,c` → {@link CompareResponse}
 * - `GET /api/sweeps/:sweepId` → {@link SweepResponse}
 * - `GET /` → the page; `GET /assets/<file>` → `src/dashboard/public/`; `GET /assets/uplot/<file>` → uPlot's dist
 *
 * Errors answer JSON `{ error: string }` ({@link ApiError}): 400 (a bad query), 401 (no token
 * where one is required), 403 (without a token, a request not addressed to 127.0.0.1, localhost
 * or [::1]), 404 (no such run, sweep or file).
 *
 * @example
 * const { runs } = (await (await fetch('/api/runs')).json()) as RunsResponse;
 */

/** How a run stands, from `.config/provenance.json` (a 'running' entry whose pid is gone on this host reads 'interrupted'). */
export type RunStatus = 'running' | 'finished' | 'failed' | 'interrupted' | 'unknown';

/** The x axis of a curve: optimizer step, epoch, or seconds since the run's first logged row. */
export type CurveX = 'step' | 'epoch' | 'time';

/** A run in the list. @example const s: RunSummary = runs[0]; s.bestMetrics['val/acc_top1']; */
export interface RunSummary {
  /** Opaque and URL-safe, assigned by the server; never a path. */
  id: string;
  /** The run dir relative to its root dir (display only). */
  name: string;
  /** The root dir it was found under, as given to the server. */
  root: string;
  /** The sweep it belongs to (its dir relative to the root, and this run's swept keys), or null. */
  sweep: { dir: string; id: string; swept: Record<string, unknown> } | null;
  status: RunStatus;
  /** ISO 8601. */
  startedAt: string | null;
  endedAt: string | null;
  /** Seconds from start to end, or to now while running. */
  durationS: number | null;
  /** `model.name` of the resolved config. */
  model: string | null;
  /** The data set: `data.root`, else `data.format`. */
  data: string | null;
  /** The last value of every metric logged. */
  lastMetrics: Record<string, number>;
  /** The best value of every metric whose name says which way it improves (max for accuracy/AP/F1/AUROC..., min for loss/error/ECE/time...); other metrics have only a last value. */
  bestMetrics: Record<string, number>;
  /** Every metric name logged, in first-seen order. */
  metricNames: string[];
}

/** `GET /api/runs`. @example (await res.json() as RunsResponse).runs.length; */
export interface RunsResponse {
  runs: RunSummary[];
}

/** `GET /api/runs/:id/curve`: `[x, value]` pairs, LTTB-downsampled to at most `points`. @example c.points[0]; // [0, 2.3] */
export interface CurveResponse {
  metric: string;
  /** The x actually used: 'time' falls back to 'step' when the run logged no times (metrics.csv only). */
  x: CurveX;
  points: [number, number][];
  /** How many points the metric has before downsampling. */
  total: number;
}

/** One row appended to a run's metrics file. @example row.values['train/loss_step']; */
export interface MetricsRow {
  step?: number;
  epoch?: number;
  /** Seconds since the run's first logged row (when the log has times). */
  time?: number;
  values: Record<string, number>;
}

/** `event: metrics` of `GET /api/runs/:id/stream`. @example JSON.parse(e.data) as MetricsEvent; */
export interface MetricsEvent {
  rows: MetricsRow[];
}

/** `GET /api/runs/:id/config`. @example r.config.model; */
export interface ConfigResponse {
  yaml: string;
  config: Record<string, unknown>;
}

/** One key that differs between compared runs. @example d.values[runId]; */
export interface ConfigDifference {
  /** Dotted key (`optimizer.lr`). */
  key: string;
  /** The value per run id (undefined/absent when a run lacks the key). */
  values: Record<string, unknown>;
}

/** `GET /api/compare?ids=a,b`. Keys whose value is built from the clock (`run.dir`, `run.sweepDir`) are left out. @example r.differences.length; */
export interface CompareResponse {
  runs: string[];
  differences: ConfigDifference[];
}

/** `GET /api/sweeps/:sweepId`: the data of a parallel-coordinates plot. @example r.runs.map((x) => x.params['optimizer.lr']); */
export interface SweepResponse {
  /** The sweep dir relative to its root. */
  dir: string;
  /** The swept keys, in the command line's order. */
  swept: string[];
  /** One entry per run found; `metric` is its best value of the response's metric (null when never logged). */
  runs: { id: string; params: Record<string, unknown>; metric: number | null }[];
  /** The metric on the last axis (`?metric=`, default the checkpoint's monitor or `val/acc_top1`). */
  metric: string;
}

/** One confusion matrix of one epoch: rows true class, columns predicted, counts. @example m.matrix[0][1]; */
export interface ConfusionEntry {
  epoch: number;
  split: string;
  classNames: string[];
  matrix: number[][];
}

/** Files of a run, relative to its run dir; fetch them through `/api/runs/:id/file/<path>`. @example files.samples[0]; */
export interface RunFiles {
  samples: string[];
  topLosses: string | null;
  labelIssues: string | null;
  cams: string[];
  modelSummary: string | null;
  profiler: string | null;
  report: string | null;
}

/** `GET /api/runs/:id/details`. @example d.confusion.at(-1)?.matrix; */
export interface DetailsResponse {
  summary: RunSummary;
  /** Every saved matrix, ordered by split then epoch. */
  confusion: ConfusionEntry[];
  /** Per-class rows (`{ class, precision, recall, f1, support, ... }`) from the last epoch's per-class metrics, or null. */
  perClass: Record<string, unknown>[] | null;
  files: RunFiles;
  system: { imgPerSec?: number; rssMB?: number };
}

/** The body of every 4xx answer. @example (await res.json() as ApiError).error; */
export interface ApiError {
  error: string;
}
