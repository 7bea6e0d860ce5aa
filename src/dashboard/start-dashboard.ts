/**
 * Starts the dashboard's HTTP server (`@hono/node-server`) and hands back
 * its URL and a `close()` that ends open event streams too. It binds
 * 127.0.0.1 unless another host is asked for; then a random token is made
 * and required, and the URL carries it.
 *
 * @example
 * const dashboard = await startDashboard({ roots: ['outputs'], port: 0 });
 * console.log(dashboard.url); // http://127.0.0.1:40123/
 * await dashboard.close();
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { ClassifierTrainingError, fsReason } from '../errors.js';
import { dashboardApp } from './dashboard-app.js';
import type { DashboardAppOptions } from './dashboard-app.js';

/** Options of `startDashboard`. */
export interface StartDashboardOptions extends Omit<DashboardAppOptions, 'token' | 'signal'> {
  /** 0 (default): a free port. */
  port?: number;
  /** Default 127.0.0.1; any other host requires a token. */
  host?: string;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** Where to open it, with `?token=` when one is required. */
  url: string;
  port: number;
  token: string | null;
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Whether a host is this machine only (no token needed).
 *
 * @example
 * isLoopback('0.0.0.0'); // false
 */
export function isLoopback(host: string): boolean {
  return loopback.has(host);
}

/**
 * Listens and resolves once the port is bound (an error such as EADDRINUSE rejects).
 *
 * @example
 * const { url, close } = await startDashboard({ roots: ['outputs', 'multirun'], port: 8080 });
 */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = isLoopback(host) ? null : randomBytes(18).toString('base64url');
  const aborter = new AbortController();
  const { app } = dashboardApp({ ...options, token, signal: aborter.signal });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', (error) => {
      reject(
        new ClassifierTrainingError(`dashboard: expected to listen on ${host}:${options.port ?? 0}, but got ${fsReason(error)}`, {
          cause: error,
        }),
      );
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/${token === null ? '' : `?token=${token}`}`;
  return {
    url,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        aborter.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
