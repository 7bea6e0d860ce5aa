/**
 * A run's summary for the list, from its own files: the status and times
 * from `.config/provenance.json` (one entry per command that worked in the
 * run; a 'running' entry whose pid is gone on this host was killed, so it
 * reads 'interrupted'), the model and data from the headline of
 * `.config/config.yaml`, and the metrics from its tailer.
 *
 * @example
 * summarizeRun(run, tailer, configHeadline(run.dir));
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { RunStatus, RunSummary } from './api-types.js';
import type { MetricsTailer } from './metrics-tailer.js';
import type { ConfigHeadline } from './run-config.js';
import type { DiscoveredRun } from './run-discovery.js';

interface ProvenanceEntry {
  host?: string;
  pid?: number;
  startedAt?: string;
  endedAt?: string | null;
  status?: string;
}

function readProvenance(dir: string): ProvenanceEntry[] {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dir, '.config', 'provenance.json'), 'utf8')) as { runs?: unknown };
    return Array.isArray(parsed.runs) ? (parsed.runs as ProvenanceEntry[]) : [];
  } catch {
    return [];
  }
}

/** Whether a process with this pid exists here (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function statusOf(entry: ProvenanceEntry | undefined, done: boolean): RunStatus {
  if (entry === undefined) return done ? 'finished' : 'unknown';
  switch (entry.status) {
    case 'success':
      return 'finished';
    case 'failed':
      return 'failed';
    case 'interrupted':
      return 'interrupted';
    case 'running':
      // On another host the pid means nothing here: trust the entry.
      if (entry.host !== undefined && entry.host !== hostname()) return 'running';
      return typeof entry.pid === 'number' && alive(entry.pid) ? 'running' : 'interrupted';
    default:
      return 'unknown';
  }
}

/**
 * The run's summary as `GET /api/runs` lists it (the tailer should have been polled).
 *
 * @example
 * summarizeRun(run, tailer, configHeadline(run.dir), new Date());
 */
export function summarizeRun(run: DiscoveredRun, tailer: MetricsTailer, headline: ConfigHeadline, now = new Date()): RunSummary {
  const entries = readProvenance(run.dir);
  const last = entries.at(-1);
  let done = false;
  try {
    done = statSync(path.join(run.dir, 'done.json')).isFile();
  } catch {
    // not a finished sweep run
  }
  const status = statusOf(last, done);
  const startedAt = entries[0]?.startedAt ?? null;
  const endedAt = status === 'running' ? null : (last?.endedAt ?? null);
  const start = startedAt === null ? Number.NaN : Date.parse(startedAt);
  const end = status === 'running' ? now.getTime() : endedAt === null ? Number.NaN : Date.parse(endedAt);
  const durationS = Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : null;
  return {
    id: run.id,
    name: run.name,
    root: run.root,
    sweep: run.sweep === null ? null : { dir: run.sweep.name, id: run.sweep.id, swept: run.swept },
    status,
    startedAt,
    endedAt,
    durationS,
    model: headline.model,
    data: headline.data,
    lastMetrics: { ...tailer.last },
    bestMetrics: { ...tailer.best },
    metricNames: tailer.names,
  };
}
