/**
 * The subprocess launcher: starts `nprocs` copies of one command on this
 * machine with torchrun's environment variables set (as Lightning's
 * subprocess launcher and `torchrun --nproc-per-node` do), waits for all,
 * and when one rank fails (or the time limit passes) stops the others and
 * rejects with an error naming the rank.
 *
 * @example
 * const { exitCodes } = await launchProcesses({ nprocs: 2, command: process.execPath, args: ['train.js'] });
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { ConfigError, TrainingError } from '../../errors.js';

/** Options for `launchProcesses`. */
export interface LaunchOptions {
  /** Worker processes on this machine (`trainer.devices`). */
  nprocs: number;
  command: string;
  args?: readonly string[];
  /** Extra environment for every worker (on top of this process's). */
  env?: NodeJS.ProcessEnv;
  /** Rank 0's address (default 127.0.0.1). */
  masterAddr?: string;
  /** Rank 0's store port (default: a free port). */
  masterPort?: number;
  /** Stop every rank after this long (default: no limit). */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping ranks (default 5 s). */
  killGraceMs?: number;
  stdio?: StdioOptions;
  /** Called with each worker as it starts (the Trainer forwards signals to them). */
  onSpawn?: (child: ChildProcess) => void;
}

/** How the workers ended. */
export interface LaunchResult {
  /** Exit code per rank. */
  exitCodes: number[];
}

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Runs the workers; resolves when all exit with 0, rejects with a TrainingError naming the first rank that failed. */
export async function launchProcesses(options: LaunchOptions): Promise<LaunchResult> {
  const { nprocs } = options;
  if (!Number.isInteger(nprocs) || nprocs < 1) throw new ConfigError(`launcher: expected nprocs >= 1, but got ${nprocs}`);
  const masterAddr = options.masterAddr ?? '127.0.0.1';
  const masterPort = options.masterPort ?? (await freePort(masterAddr));
  const children: ChildProcess[] = [];
  const exitCodes: (number | null)[] = new Array<number | null>(nprocs).fill(null);
  let failure: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stopOthers = (reason: string): void => {
    failure ??= reason;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    killTimer ??= setTimeout(() => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, options.killGraceMs ?? 5000);
  };
  const exits = Array.from({ length: nprocs }, (_, rank) => {
    const child = spawn(options.command, [...(options.args ?? [])], {
      stdio: options.stdio ?? 'inherit',
      env: {
        ...process.env,
        ...options.env,
        MASTER_ADDR: masterAddr,
        MASTER_PORT: String(masterPort),
        WORLD_SIZE: String(nprocs),
        RANK: String(rank),
        LOCAL_RANK: String(rank),
        LOCAL_WORLD_SIZE: String(nprocs),
        NODE_RANK: '0',
      },
    });
    children.push(child);
    options.onSpawn?.(child);
    return new Promise<void>((resolve) => {
      child.once('error', (error) => {
        exitCodes[rank] = 127;
        stopOthers(`rank ${rank} could not start (${error.message})`);
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitCodes[rank] = code ?? 128;
        if (code !== 0 && failure === null) stopOthers(`rank ${rank} ${describeExit(code, signal)}`);
        resolve();
      });
    });
  });
  const deadline =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          const running = children.flatMap((c, rank) => (c.exitCode === null && c.signalCode === null ? [rank] : []));
          stopOthers(`rank${running.length > 1 ? 's' : ''} ${running.join(', ')} still running after ${options.timeoutMs} ms`);
        }, options.timeoutMs);
  await Promise.all(exits);
  clearTimeout(deadline);
  clearTimeout(killTimer);
  if (failure !== null) {
    const codes = exitCodes.map((c, rank) => `rank ${rank}: ${c}`).join(', ');
    throw new TrainingError(
      `launcher: expected all ${nprocs} ranks to exit with 0, but ${failure}; the others were stopped (exit codes ${codes})`,
    );
  }
  return { exitCodes: exitCodes.map((c) => c ?? 0) };
}
