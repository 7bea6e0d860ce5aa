/**
 * A run's summary for the list, from its own files: the status and times
 * from `.config/provenance.json` (one entry per command that worked in the
 * run; a 'running' entry whose pid is gone on this host was killed, so it
 * reads 'interrupted'), the model and data from `.config/config.yaml`, and
 * the metrics from its tailer.
 *
 * @example
 * summarizeRun(run, tailer, readRunConfig(run.dir));
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { RunStatus, RunSummary } from './api-types.js';
import type { MetricsTailer } from './metrics-tailer.js';
import type { DiscoveredRun } from './run-discovery.js';

interface ProvenanceEntry {
  host?: string;
  pid?: number;
  startedAt?: string;
  endedAt?: string | null;
  status?: string;
}

/** A run's config as text and parsed (an empty object when it does not parse). */
export interface RunConfig {
  yaml: string;
  config: Record<string, unknown>;
}

const configCache = new Map<string, { stamp: string; value: RunConfig }>();

/**
 * The run's `.config/config.yaml`, read again only when the file changed.
 *
 * @example
 * readRunConfig('/abs/outputs/r1').config.model;
 */
export function readRunConfig(dir: string): RunConfig {
  const file = path.join(dir, '.config', 'config.yaml');
  let stamp: string;
  try {
    const s = statSync(file);
    stamp = `${s.mtimeMs}:${s.size}`;
  } catch {
    return { yaml: '', config: {} };
  }
  const cached = configCache.get(file);
  if (cached?.stamp === stamp) return cached.value;
  const yaml = readFileSync(file, 'utf8');
  let config: Record<string, unknown> = {};
  try {
    const parsed = YAML.parse(yaml) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
  } catch {
    // a config that does not parse still lists its run
  }
  const value = { yaml, config };
  configCache.set(file, { stamp, value });
  return value;
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

const text = (v: unknown): string | null => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

function section(config: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = config[key];
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/**
 * The run's summary as `GET /api/runs` lists it (the tailer should have been polled).
 *
 * @example
 * summarizeRun(run, tailer, readRunConfig(run.dir), new Date());
 */
export function summarizeRun(run: DiscoveredRun, tailer: MetricsTailer, config: RunConfig, now = new Date()): RunSummary {
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
  const data = section(config.config, 'data');
  return {
    id: run.id,
    name: run.name,
    root: run.root,
    sweep: run.sweep === null ? null : { dir: run.sweep.name, id: run.sweep.id, swept: run.swept },
    status,
    startedAt,
    endedAt,
    durationS,
    model: text(section(config.config, 'model').name),
    data: text(data.root) ?? text(data.format) ?? text(data.name),
    lastMetrics: { ...tailer.last },
    bestMetrics: { ...tailer.best },
    metricNames: tailer.names,
  };
}
