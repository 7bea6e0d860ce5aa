/**
 * The dashboard's HTTP app (hono): the JSON API of `api-types.ts`, the
 * run's files, and the page with its assets. Read-only: every route is a
 * GET, so any other method finds no route (404). With a token (the server
 * listens beyond this machine) every request must carry it, as `?token=`
 * once, then the cookie that answer sets.
 *
 * @example
 * const { app } = dashboardApp({ roots: ['outputs', 'multirun'] });
 * await app.request('/api/runs');
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { CompareResponse, CurveResponse, CurveX, SweepResponse } from './api-types.js';
import { configDifferences } from './config-diff.js';
import { lttbIndices } from './lttb.js';
import { runDetails } from './run-details.js';
import { RunIndex } from './run-index.js';
import type { RunIndexOptions } from './run-index.js';
import { runStream } from './run-stream.js';
import { readRunConfig } from './run-config.js';
import { confinedFile, contentTypeOf } from './safe-file.js';

/** Options of `dashboardApp`. */
export interface DashboardAppOptions extends RunIndexOptions {
  /** The folders to look for runs in. */
  roots: readonly string[];
  /** The access token every request must carry (null: none, the loopback default). */
  token?: string | null;
  /** How often a stream looks at its run's files (default 1000 ms). */
  pollMs?: number;
  /** Ends open streams when aborted. */
  signal?: AbortSignal;
}

const COOKIE = 'dashboard_token';
/** The page's files ship in the package as they are, read from the source folder by dist/ too. */
const publicDir = fileURLToPath(new URL('../../src/dashboard/public/', import.meta.url));
const uplotDir = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const notFound = (c: Context, what = 'no such run or file') => c.json({ error: `dashboard: expected ${what}, but got none` }, 404);

/** Whether a Host header names this machine (127.0.0.1, localhost, [::1], any port). */
function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/**
 * The policy of a run's HTML or SVG: shown, never run in the dashboard's
 * origin (sandboxed, no script). Its images may be inline, and, given the
 * run's file route (an absolute URL ending in `/`), the run's own files: the
 * report links analysis/ relatively. A sandboxed page's origin is opaque, so
 * `'self'` would match nothing; a path prefix also keeps other runs out.
 */
function runFilePolicy(imagesFrom: string | null): string {
  return `sandbox; default-src 'none'; img-src data:${imagesFrom === null ? '' : ` ${imagesFrom}`}; style-src 'unsafe-inline'`;
}

function sendFile(c: Context, file: string | null, imagesFrom: string | null = null): Response {
  if (file === null) return notFound(c);
  const headers: Record<string, string> = { 'content-type': contentTypeOf(file), 'x-content-type-options': 'nosniff' };
  if (/\.(html|svg)$/i.test(file)) headers['content-security-policy'] = runFilePolicy(imagesFrom);
  return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, { headers });
}

/** The curve of one metric, `points` at most (LTTB). */
function curve(index: RunIndex, id: string, metric: string, x: CurveX, points: number): CurveResponse | null {
  const tailer = index.curveTailer(id);
  const s = tailer?.series(metric);
  if (tailer === undefined || s === undefined) return null;
  const used: CurveX = x === 'time' && !tailer.hasTime ? 'step' : x;
  const xs = s[used];
  const pairs: number[] = [];
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]) && !Number.isNaN(s.value[i])) pairs.push(i);
  const px = pairs.map((i) => xs[i]);
  const py = pairs.map((i) => s.value[i]);
  const kept = lttbIndices(px, py, points);
  return { metric, x: used, points: kept.map((k) => [px[k], py[k]]), total: s.total };
}

function sweepData(index: RunIndex, sweepId: string, metric: string | undefined): SweepResponse | null {
  const sweep = index.sweep(sweepId);
  if (sweep === undefined) return null;
  const runs = index.runs().filter((r) => r.sweep?.id === sweepId);
  const summaries = runs.map((r) => index.summary(r));
  const monitor = metric ?? monitorOf(readRunConfig(runs[0].dir).config) ?? 'val/acc_top1';
  return {
    dir: sweep.name,
    swept: sweep.keys,
    metric: monitor,
    runs: summaries.map((s, i) => ({ id: s.id, params: runs[i].swept, metric: s.bestMetrics[monitor] ?? null })),
  };
}

function monitorOf(config: Record<string, unknown>): string | undefined {
  const checkpoint = (config.callbacks as Record<string, { monitor?: unknown }> | undefined)?.model_checkpoint;
  return typeof checkpoint?.monitor === 'string' ? checkpoint.monitor : undefined;
}

function registerApi(app: Hono, index: RunIndex, options: DashboardAppOptions): void {
  app.get('/api/runs', (c) => c.json({ runs: index.summaries() }));
  app.get('/api/runs/:id/curve', (c) => {
    const x = c.req.query('x') ?? 'step';
    const points = Number(c.req.query('points') ?? 2000);
    const metric = c.req.query('metric');
    if (x !== 'step' && x !== 'epoch' && x !== 'time')
      return c.json({ error: `dashboard: expected x=step, epoch or time, but got ${x}` }, 400);
    if (!Number.isInteger(points) || points < 3) return c.json({ error: 'dashboard: expected points to be an integer >= 3' }, 400);
    if (metric === undefined) return c.json({ error: 'dashboard: expected a metric=<name>, but got none' }, 400);
    const answer = curve(index, c.req.param('id'), metric, x, points);
    return answer === null ? notFound(c, `a run with the metric ${metric}`) : c.json(answer);
  });
  app.get('/api/runs/:id/stream', (c) => {
    const run = index.get(c.req.param('id'));
    return run === undefined ? notFound(c) : runStream(c, index, run, { pollMs: options.pollMs ?? 1000, signal: options.signal });
  });
  app.get('/api/runs/:id/config', (c) => {
    const run = index.get(c.req.param('id'));
    return run === undefined ? notFound(c) : c.json(readRunConfig(run.dir));
  });
  app.get('/api/runs/:id/details', (c) => {
    const run = index.get(c.req.param('id'));
    return run === undefined ? notFound(c) : c.json(runDetails(run.dir, index.summary(run)));
  });
  app.get('/api/runs/:id/file/*', (c) => {
    const run = index.get(c.req.param('id'));
    // The raw path, still encoded: decoded once, by confinedFile.
    const url = new URL(c.req.url);
    const at = url.pathname.indexOf('/file/');
    if (run === undefined || at < 0) return notFound(c);
    const file = confinedFile(run.dir, url.pathname.slice(at + '/file/'.length));
    return sendFile(c, file, `${url.origin}/api/runs/${run.id}/file/`);
  });
  app.get('/api/compare', (c) => {
    const ids = (c.req.query('ids') ?? '').split(',').filter(Boolean);
    const runs = ids.map((id) => index.get(id));
    if (ids.length === 0 || runs.some((r) => r === undefined)) return notFound(c, 'ids=<run id>,<run id> of known runs');
    const configs = Object.fromEntries(runs.map((r) => [r!.id, readRunConfig(r!.dir).config]));
    return c.json({ runs: ids, differences: configDifferences(configs) } satisfies CompareResponse);
  });
  app.get('/api/sweeps/:sweepId', (c) => {
    const answer = sweepData(index, c.req.param('sweepId'), c.req.query('metric'));
    return answer === null ? notFound(c, 'a known sweep') : c.json(answer);
  });
  app.get('/api/*', (c) => notFound(c, 'an API route'));
}

function registerPage(app: Hono): void {
  app.get('/', (c) => {
    const page = path.join(publicDir, 'index.html');
    if (!existsSync(page)) return c.text('classifier-training dashboard: the page is missing from this package; the API is at /api/runs');
    return c.html(readFileSync(page, 'utf8'));
  });
  app.get('/assets/uplot/*', (c) => sendFile(c, confinedFile(uplotDir, new URL(c.req.url).pathname.slice('/assets/uplot/'.length))));
  app.get('/assets/*', (c) => sendFile(c, confinedFile(publicDir, new URL(c.req.url).pathname.slice('/assets/'.length))));
}

/**
 * The app and its run index.
 *
 * @example
 * const { app } = dashboardApp({ roots: ['outputs'], token: 'abc' });
 */
export function dashboardApp(options: DashboardAppOptions): { app: Hono; index: RunIndex } {
  const index = new RunIndex(options.roots, options);
  const app = new Hono();
  const token = options.token ?? null;
  app.use('*', async (c, next) => {
    // Without a token, only this machine's names: a web page that rebinds its own name to 127.0.0.1 gets nothing.
    if (token === null && !loopbackHost(c.req.header('host') ?? new URL(c.req.url).host)) {
      return c.json({ error: 'dashboard: expected a request for 127.0.0.1 or localhost, but got another host' }, 403);
    }
    if (token !== null) {
      const given = c.req.query('token');
      if (sameToken(given, token)) setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      else if (!sameToken(getCookie(c, COOKIE), token)) return c.json({ error: 'dashboard: expected the access token, but got none' }, 401);
    }
    await next();
    c.header('x-content-type-options', 'nosniff');
  });
  registerApi(app, index, options);
  registerPage(app);
  return { app, index };
}
