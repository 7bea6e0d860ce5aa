/**
 * bench:dashboard — the dashboard server on many long runs: writes `--runs`
 * run dirs (default 200) of `--steps` per-step rows each (default 20,000,
 * plus a validation row every 1,000 steps) into a temp dir, starts the
 * server on 127.0.0.1 and times over HTTP: the runs list (the first request
 * reads every metrics file whole; later ones read only what was appended;
 * target < 1 s) and a curve of one run (`points=2000`, LTTB; the first request
 * for a run reads its file for the series, later ones only new rows; target
 * < 200 ms). Then it tails a growing file for `--seconds` (default 60): a
 * writer appends 1,000 rows every 100 ms while an event stream is open on
 * that run and the curve and the list are asked for every second, and the
 * process's RSS is printed every 10 s (it should level off, not climb).
 * Times are printed as wall and CPU time of this process (server and client
 * share it). A figure for the README, not a timed test.
 *
 *   npm run bench:dashboard
 *   npm run bench:dashboard -- --runs 50 --steps 5000 --seconds 10
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CurveResponse, RunsResponse } from '../src/dashboard/api-types.js';
import { writeRun } from '../src/dashboard/run-fixtures.test-helper.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    steps: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
  },
});
const runCount = Number(values.runs);
const steps = Number(values.steps);
const seconds = Number(values.seconds);

const mb = (bytes: number) => `${(bytes / (1 << 20)).toFixed(0)} MB`;

async function timed<T>(what: string, url: string): Promise<{ ms: number; body: T }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const res = await fetch(url);
  const body = (await res.json()) as T;
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  // CPU time beside wall time: on a shared machine the wall time mostly measures the queue for a core.
  console.log(
    `${what.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms wall ${((used.user + used.system) / 1000).toFixed(1).padStart(8)} ms CPU`,
  );
  return { ms, body };
}

async function tailGrowing(base: string, id: string, file: string): Promise<void> {
  const stream = await fetch(`${base}/api/runs/${id}/stream`);
  const reader = stream.body!.getReader();
  let events = 0;
  void (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) events++;
  })().catch(() => undefined);
  let step = steps;
  const writer = setInterval(() => {
    const rows: string[] = [];
    for (let i = 0; i < 1000; i++, step++) rows.push(`${Math.floor(step / 1000)},${step},${(1 / Math.sqrt(step + 1)).toFixed(5)},,\n`);
    appendFileSync(file, rows.join(''));
  }, 100);
  const start = performance.now();
  for (let s = 1; s <= seconds; s++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const curve = (await (await fetch(`${base}/api/runs/${id}/curve?metric=train/loss_step&points=2000`)).json()) as CurveResponse;
    await (await fetch(`${base}/api/runs`)).json();
    if (s % 10 === 0 || s === seconds) {
      const { rss, heapUsed } = process.memoryUsage();
      const elapsed = ((performance.now() - start) / 1000).toFixed(0);
      console.log(`  ${elapsed.padStart(4)} s: ${curve.total} rows logged, RSS ${mb(rss)}, heap ${mb(heapUsed)}, ${events} stream chunks`);
    }
  }
  clearInterval(writer);
  await reader.cancel();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  try {
    console.log(`bench:dashboard — ${runCount} runs x ${steps} steps, load average ${loadavg()[0].toFixed(2)}`);
    let start = performance.now();
    for (let i = 0; i < runCount; i++)
      writeRun(join(dir, 'outputs', `run-${String(i).padStart(4, '0')}`), { status: 'success', steps, lr: 0.001 * (i + 1) });
    console.log(`wrote the runs in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    start = performance.now();
    const dashboard = await startDashboard({ roots: [join(dir, 'outputs')], port: 0 });
    const base = dashboard.url.replace(/\/$/, '');
    try {
      const list = await timed<RunsResponse>('GET /api/runs (first: every file read)', `${base}/api/runs`);
      await timed<RunsResponse>('GET /api/runs (again)', `${base}/api/runs`);
      const id = list.body.runs[0].id;
      const curveUrl = `${base}/api/runs/${id}/curve?metric=train/loss_step&points=2000`;
      const curve = await timed<CurveResponse>('GET curve, 2000 points (first for the run)', curveUrl);
      await timed<CurveResponse>('GET curve, 2000 points (again)', curveUrl);
      console.log(`curve: ${curve.body.points.length} of ${curve.body.total} points; ${list.body.runs.length} runs listed`);
      console.log(`RSS after the list and a curve: ${mb(process.memoryUsage().rss)}`);
      console.log(`tailing a growing metrics.csv for ${seconds} s (1,000 rows / 100 ms):`);
      await tailGrowing(base, id, join(dir, 'outputs', 'run-0000', 'metrics.csv'));
    } finally {
      await dashboard.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
