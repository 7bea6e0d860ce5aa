/**
 * Runs one run of a sweep as `classifier-training train <overrides>` in a
 * child process: each run gets a fresh libtorch (seed, threads, allocator,
 * deterministic flags) and its own signal handling, and a crash or an
 * out-of-memory kill ends that run only. The child is in a process group
 * of its own, so a Ctrl-C reaches it once, through `interrupt`, and it
 * saves its checkpoint before it exits 130. Its stderr (logs, progress bar)
 * goes to ours; its stdout (the run's result as JSON) comes back. It stops
 * by itself when the sweep dies (parent-watch.ts): no orphan goes on training.
 *
 * @example
 * const child = startRun(['train', 'model=resnet18', 'run.dir=multirun/x/0']);
 * const { code, stdout } = await child.exited;
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parentEnv } from '../../training/strategies/parent-watch.js';

/** The package's command line entry. */
const bin = fileURLToPath(new URL('../../../bin/classifier-training.js', import.meta.url));

/** How a child run ended: its exit code (null when a signal killed it) and what it printed on stdout. */
export interface RunExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** A running child. */
export interface RunChild {
  exited: Promise<RunExit>;
  /** Passes a signal on to the child (it finishes its step and saves a checkpoint). */
  interrupt(signal: NodeJS.Signals): void;
}

/** Starts `classifier-training <args>` in a child process. */
export function startRun(args: readonly string[]): RunChild {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
    env: { ...process.env, ...parentEnv() },
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<RunExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(chunks).toString('utf8') }));
  });
  return {
    exited,
    interrupt: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
