/**
 * The server-sent events of one run: `event: status` with its summary at
 * once and whenever its status changes, and `event: metrics` with the rows
 * appended to its metrics log since the last event. Each connection tails
 * the file itself (rows already there when it opens are the curve
 * request's), reading only new bytes every `pollMs`.
 *
 * @example
 * app.get('/api/runs/:id/stream', (c) => runStream(c, index, run, { pollMs: 1000 }));
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { MetricsEvent } from './api-types.js';
import { MetricsTailer } from './metrics-tailer.js';
import type { DiscoveredRun } from './run-discovery.js';
import type { RunIndex } from './run-index.js';

/** Options of `runStream`. */
export interface RunStreamOptions {
  /** How often the file is looked at (ms). */
  pollMs: number;
  /** Ends every stream (the server is closing). */
  signal?: AbortSignal;
}

/**
 * The SSE response of one run.
 *
 * @example
 * return runStream(c, index, run, { pollMs: 500 });
 */
export function runStream(c: Context, index: RunIndex, run: DiscoveredRun, options: RunStreamOptions): Response {
  return streamSSE(c, async (stream) => {
    // What is there already is the curve request's: scanned fast, then followed row by row.
    const tailer = new MetricsTailer(run.dir, { collectRows: false });
    tailer.poll();
    tailer.startCollecting();
    let status = '';
    let open = true;
    const close = () => {
      open = false;
    };
    stream.onAbort(close);
    options.signal?.addEventListener('abort', close, { once: true });
    while (open && !stream.aborted && options.signal?.aborted !== true) {
      const rows = tailer.poll();
      if (rows.length > 0) {
        const event: MetricsEvent = { rows };
        await stream.writeSSE({ event: 'metrics', data: JSON.stringify(event) });
      }
      const summary = index.summary(run);
      if (summary.status !== status) {
        status = summary.status;
        await stream.writeSSE({ event: 'status', data: JSON.stringify(summary) });
      }
      await stream.sleep(options.pollMs);
    }
  });
}
