/**
 * `classifier-training dashboard [dir…]`: the local web app that watches
 * runs as they train and compares runs and sweeps (src/dashboard/). It looks
 * for runs under the dirs given (default `outputs/` and `multirun/`), prints
 * its URL and serves until Ctrl-C. It listens on 127.0.0.1 unless `--host`
 * names another address; then every request needs the random token the
 * printed URL carries.
 *
 * @example
 * registerDashboard(program); // classifier-training dashboard outputs --port 8080 --open
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';

interface DashboardFlags {
  port: string;
  host: string;
  open?: boolean;
}

/**
 * The port of `--port`: 0 (any free one) to 65535.
 *
 * @example
 * parsePort('8080'); // 8080
 */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new ConfigError(`dashboard: expected --port to be 0 (a free port) up to 65535, but got ${text}`);
  }
  return port;
}

/** Opens the URL in the desktop's browser; a machine without one just keeps the printed URL. */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => console.error(`dashboard: expected ${command} to open a browser, but got none; open ${url}`));
  child.unref();
}

/** Serves until SIGINT or SIGTERM, then closes the server and its open streams. */
async function serveUntilStopped(dirs: string[], flags: DashboardFlags): Promise<void> {
  const { startDashboard } = await import('../../dashboard/start-dashboard.js');
  const dashboard = await startDashboard({
    roots: dirs.length > 0 ? dirs : ['outputs', 'multirun'],
    port: parsePort(flags.port),
    host: flags.host,
  });
  console.log(dashboard.url);
  if (dashboard.token !== null) console.error(`dashboard: listening on ${flags.host}: the URL's token is required on every request`);
  if (flags.open === true) openBrowser(dashboard.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void dashboard.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * The folder `train … dashboard=true` serves: the top folder of the run dir
 * under the working directory (`outputs/` for `outputs/<date>/<time>`), so
 * the run shows beside the earlier ones; the run dir itself when it lies elsewhere.
 *
 * @example
 * dashboardRootOf('/work/outputs/2026-12-01/10-00-00', '/work'); // '/work/outputs'
 */
export function dashboardRootOf(runDir: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, runDir);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return runDir;
  return path.join(cwd, relative.split(path.sep)[0]);
}

/**
 * Starts the dashboard beside a training run (127.0.0.1, a free port), prints
 * its URL to stderr, and gives back what stops it.
 *
 * @example
 * const stop = await startRunDashboard(plan.runDir); try { await trainer.fit(...) } finally { await stop(); }
 */
export async function startRunDashboard(runDir: string): Promise<() => Promise<void>> {
  const { startDashboard } = await import('../../dashboard/start-dashboard.js');
  const dashboard = await startDashboard({ roots: [dashboardRootOf(runDir)], port: 0 });
  console.error(`dashboard: ${dashboard.url}`);
  return () => dashboard.close();
}

/** Adds `dashboard` to the program. @example registerDashboard(program); */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('a local web app: live curves of running runs, runs and sweeps compared, each run’s confusion matrices and files')
    .argument('[dirs...]', 'folders to look for run dirs in (default: outputs multirun)')
    .option('--port <n>', 'the port; 0 picks a free one', '0')
    .option('--host <host>', 'the address to listen on; any but 127.0.0.1/localhost requires the printed token', '127.0.0.1')
    .option('--open', 'open the URL in the browser')
    .addHelpText(
      'after',
      `
Examples:
  classifier-training dashboard
  classifier-training dashboard outputs/2026-12-01 multirun --port 8080 --open
  classifier-training dashboard --host 0.0.0.0        # prints http://0.0.0.0:<port>/?token=...

Read-only: it serves only files inside the run dirs it finds. Ctrl-C stops it.`,
    )
    .action(async (dirs: string[], flags: DashboardFlags) => {
      await serveUntilStopped(dirs, flags);
    });
}
