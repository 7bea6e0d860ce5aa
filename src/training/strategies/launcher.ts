/**
 * The subprocess launcher: starts `nprocs` copies of one command on this
 * machine with torchrun's environment variables set (as Lightning's
 * subprocess launcher and `torchrun --nproc-per-node` do; node `nodeRank` of
 * `numNodes` runs ranks `nodeRank * nprocs` to `nodeRank * nprocs + nprocs - 1`),
 * waits for all, and when one rank fails (or the time limit passes) stops
 * the others and rejects with an error naming the rank.
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
  /** This machine's place among `numNodes` (default 0 of 1): the ranks it runs and WORLD_SIZE follow. */
  nodeRank?: number;
  numNodes?: number;
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
  /**
   * Forward the workers' stderr line by line, printing a line that another rank
   * already printed only once (the same config error from N ranks reads once).
   * Overrides `stdio`'s stderr; stdin and stdout stay as `stdio` says (default 'inherit').
   */
  dedupeStderr?: boolean;
  /** Called with each worker as it starts (the Trainer forwards signals to them). */
  onSpawn?: (child: ChildProcess) => void;
  /**
   * While this returns true (the launcher forwarded SIGINT / SIGTERM), a rank that exits
   * with a non-zero code does not stop the others: they are stopping on their own, and
   * rank 0 may still be writing the checkpoint.
   */
  stopping?: () => boolean;
  /**
   * Give rank 0 (when it runs on this node) a pipe at fd 3, named in
   * `RESULT_FD_ENV`, for what it reports back (its final metrics): the
   * launcher's `result`.
   */
  resultPipe?: boolean;
}

/** How the workers ended. */
export interface LaunchResult {
  /** Exit code per rank of this node, in rank order. */
  exitCodes: number[];
  /** What rank 0 wrote to its result pipe (`resultPipe`), or '' when it wrote nothing. */
  result: string;
}

/** The variable that tells rank 0 the fd of its result pipe. */
export const RESULT_FD_ENV = 'CLASSIFIER_TRAINING_RESULT_FD';

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

/** Prints each line of the workers' stderr; a line some other rank printed before is left out. */
class StderrDeduper {
  readonly #firstRank = new Map<string, number>();
  readonly #partial = new Map<number, string>();

  add(rank: number, chunk: string): void {
    const lines = ((this.#partial.get(rank) ?? '') + chunk).split('\n');
    this.#partial.set(rank, lines.pop() ?? '');
    for (const line of lines) this.#line(rank, line);
  }

  end(rank: number): void {
    const rest = this.#partial.get(rank);
    this.#partial.delete(rank);
    if (rest) this.#line(rank, rest);
  }

  #line(rank: number, line: string): void {
    const first = this.#firstRank.get(line);
    if (first !== undefined && first !== rank && line.trim() !== '') return;
    // Bounded: a long run's distinct lines must not grow the map forever.
    if (first === undefined && this.#firstRank.size < 100_000) this.#firstRank.set(line, rank);
    process.stderr.write(`${line}\n`);
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Runs the workers; resolves when all exit with 0, rejects with a TrainingError naming the first rank that failed. */
export async function launchProcesses(options: LaunchOptions): Promise<LaunchResult> {
  const { nprocs, nodeRank = 0, numNodes = 1 } = options;
  if (!Number.isInteger(nprocs) || nprocs < 1) throw new ConfigError(`launcher: expected nprocs >= 1, but got ${nprocs}`);
  if (!Number.isInteger(numNodes) || numNodes < 1) throw new ConfigError(`launcher: expected numNodes >= 1, but got ${numNodes}`);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= numNodes)
    throw new ConfigError(`launcher: expected a nodeRank in [0, ${numNodes - 1}], but got ${nodeRank}`);
  const firstRank = nodeRank * nprocs;
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
  const deduper = options.dedupeStderr ? new StderrDeduper() : null;
  const baseStdio = options.stdio ?? 'inherit';
  const stdio: StdioOptions =
    deduper === null ? baseStdio : typeof baseStdio === 'string' ? [baseStdio, baseStdio, 'pipe'] : [baseStdio[0], baseStdio[1], 'pipe'];
  const resultChunks: Buffer[] = [];
  const exits = Array.from({ length: nprocs }, (_, localRank) => {
    const rank = firstRank + localRank;
    const piped = options.resultPipe === true && rank === 0;
    const child = spawn(options.command, [...(options.args ?? [])], {
      stdio: piped ? withResultPipe(stdio) : stdio,
      env: {
        ...process.env,
        ...options.env,
        ...(piped ? { [RESULT_FD_ENV]: '3' } : {}),
        MASTER_ADDR: masterAddr,
        MASTER_PORT: String(masterPort),
        WORLD_SIZE: String(nprocs * numNodes),
        RANK: String(rank),
        LOCAL_RANK: String(localRank),
        LOCAL_WORLD_SIZE: String(nprocs),
        NODE_RANK: String(nodeRank),
      },
    });
    children.push(child);
    options.onSpawn?.(child);
    const resultDone = piped ? readAll(child.stdio[3], resultChunks) : Promise.resolve();
    const stderrDone =
      deduper !== null && child.stderr !== null
        ? new Promise<void>((resolve) => {
            child.stderr!.setEncoding('utf8');
            child.stderr!.on('data', (chunk: string) => deduper.add(rank, chunk));
            child.stderr!.once('close', () => {
              deduper.end(rank);
              resolve();
            });
          })
        : Promise.resolve();
    const exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        exitCodes[localRank] = 127;
        stopOthers(`rank ${rank} could not start (${error.message})`);
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitCodes[localRank] = code ?? 128;
        if (code !== 0 && failure === null) {
          const reason = `rank ${rank} ${describeExit(code, signal)}`;
          if (options.stopping?.() === true) failure = reason;
          else stopOthers(reason);
        }
        resolve();
      });
    });
    return Promise.all([exited, stderrDone, resultDone]).then(() => undefined);
  });
  const deadline =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          const running = children.flatMap((c, i) => (c.exitCode === null && c.signalCode === null ? [firstRank + i] : []));
          stopOthers(`rank${running.length > 1 ? 's' : ''} ${running.join(', ')} still running after ${options.timeoutMs} ms`);
        }, options.timeoutMs);
  await Promise.all(exits);
  clearTimeout(deadline);
  clearTimeout(killTimer);
  if (failure !== null) {
    const codes = exitCodes.map((c, i) => `rank ${firstRank + i}: ${c}`).join(', ');
    throw new TrainingError(
      `launcher: expected all ${nprocs} ranks to exit with 0, but ${failure}; the others were stopped (exit codes ${codes})`,
    );
  }
  return { exitCodes: exitCodes.map((c) => c ?? 0), result: Buffer.concat(resultChunks).toString('utf8') };
}

/** `stdio` with a pipe at fd 3. */
function withResultPipe(stdio: StdioOptions): StdioOptions {
  const three = typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio].slice(0, 3);
  return [...three, 'pipe'];
}

/** Collects what a child writes to one of its pipes until the pipe closes. */
function readAll(stream: ChildProcess['stdio'][number], chunks: Buffer[]): Promise<void> {
  if (stream === null || stream === undefined || !('on' in stream)) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}
