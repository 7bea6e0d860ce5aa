/**
 * Between the Trainer and `DdpStrategy`: with `strategy: 'ddp'` a process
 * started by a user (no WORLD_SIZE) becomes the launcher of its node — it
 * starts `devices` workers running the same command (the Trainer's options
 * were validated in its constructor and torchrun's variables checked against
 * them, before any worker starts; the workers' stderr is forwarded with lines
 * repeated by several ranks printed once), forwards SIGINT / SIGTERM to them,
 * waits, and on node 0 loads the run's final weights into its own module.
 * On several machines each node's launcher runs the same command with
 * MASTER_ADDR, MASTER_PORT and NODE_RANK set; an outside launcher (torchrun,
 * Slurm) may instead start every rank itself with WORLD_SIZE and RANK set —
 * a worker joins the process group, shards the training data, keeps every
 * rank's weights equal, and agrees with the other ranks on when to stop.
 *
 * @example
 * if (needsLaunch(trainer)) return launchWorkers(trainer, module);
 * trainer.ddp = joinRun(trainer);
 */
import { randomUUID } from 'node:crypto';
import { closeSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, DataError, TrainingError } from '../../errors.js';
import type { LoaderOverrides } from '../../data/datamodule.js';
import type { Split, TrainableModule } from '../trainable-module.js';
import * as torch from '../../torch/index.js';
import { disposeCheckpoint, resolveCheckpoint } from '../checkpoint/checkpoint-connector.js';
import type { Trainer } from '../trainer.js';
import { DdpStrategy } from './ddp-strategy.js';
import { freePort, launchProcesses, RESULT_FD_ENV } from './launcher.js';
import { resolveDdpRole, RUN_DIR_ENV, RUN_ID_ENV } from './ddp-env.js';
import { parentEnv } from './parent-watch.js';
import { hasTorchrunEnv } from './torchrun-env.js';

export { RUN_DIR_ENV };

/** True when this process must start the workers instead of training. */
export function needsLaunch(t: Trainer): boolean {
  return t.options.strategy === 'ddp' && !hasTorchrunEnv();
}

/**
 * Starts the workers of this node and waits for them; on node 0 the
 * launcher's module then holds the run's last weights (rank 0 wrote them on
 * this machine; other nodes' modules are left as they were).
 *
 * @example
 * await launchWorkers(trainer, module);
 */
export async function launchWorkers(
  t: Trainer,
  module: TrainableModule,
  abort: AbortSignal | null = null,
): Promise<'completed' | 'signal' | 'aborted'> {
  const { devices, numNodes } = t.options;
  const role = resolveDdpRole(process.env, { devices, numNodes });
  if (role.kind !== 'launcher') throw new TrainingError('Trainer: expected to launch the workers of a node, but WORLD_SIZE is set');
  let received: NodeJS.Signals | null = null;
  // An AbortSignal stops the ranks as SIGINT does (each saves at the same step), but it is the
  // caller's stop, not the process's: no exit code is set.
  let aborted = false;
  const forward = (signal: NodeJS.Signals) => () => {
    received ??= signal;
    for (const child of children) child.kill(signal);
  };
  const onAbort = (): void => {
    if (received !== null || aborted) return;
    aborted = true;
    for (const child of children) child.kill('SIGINT');
  };
  const children: { kill(signal: NodeJS.Signals): void }[] = [];
  if (abort?.aborted === true) return 'aborted';
  const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM') };
  // One node: this launcher names the run. Several: every node's launcher must name the same one (the user's RUN_ID_ENV).
  const runId = process.env[RUN_ID_ENV] || (numNodes === 1 ? randomUUID() : undefined);
  let result = '';
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  abort?.addEventListener('abort', onAbort, { once: true });
  try {
    ({ result } = await launchProcesses({
      nprocs: devices,
      nodeRank: role.nodeRank,
      numNodes,
      command: process.execPath,
      args: [...process.execArgv, ...process.argv.slice(1)],
      env: { [RUN_DIR_ENV]: path.resolve(t.runDir), ...parentEnv(), ...(runId === undefined ? {} : { [RUN_ID_ENV]: runId }) },
      masterAddr: role.masterAddr,
      masterPort: role.masterPort ?? (await freePort()),
      stdio: 'inherit',
      // The same config or data error from every rank reads once.
      dedupeStderr: true,
      // After a rank fails, the others get SIGTERM; their collectives fail within the
      // distributed timeout, and whatever still runs after it is killed.
      killGraceMs: t.options.distributedTimeout,
      // After SIGINT / SIGTERM every rank stops at the same step on its own; rank 0 saves the checkpoint.
      stopping: () => received !== null || aborted,
      onSpawn: (child) => {
        children.push(child);
        if (aborted) child.kill('SIGINT');
      },
      resultPipe: true,
    }));
  } catch (error) {
    if (received === null && !aborted) throw error;
  } finally {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
    abort?.removeEventListener('abort', onAbort);
  }
  if (received !== null) process.exitCode = received === 'SIGINT' ? 130 : 143;
  const outcome = received !== null ? 'signal' : aborted ? 'aborted' : 'completed';
  if (role.nodeRank !== 0) return outcome;
  Object.assign(t.callbackMetrics, readResult(result));
  const { checkpoint } = resolveCheckpoint('last', path.join(t.runDir, 'checkpoints'), (m) => t.print(m));
  try {
    module.loadStateDict(checkpoint.model);
  } finally {
    disposeCheckpoint(checkpoint);
  }
  return outcome;
}

/**
 * Joins the process group described by torchrun's variables, once they are
 * checked against the Trainer's devices and numNodes. Rank 0 of a run our
 * launcher started sends it its final metrics when the run ends.
 */
export function joinRun(t: Trainer): DdpStrategy {
  resolveDdpRole(process.env, t.options);
  const ddp = DdpStrategy.fromEnv(process.env, { timeoutMs: t.options.distributedTimeout, syncBatchnorm: t.options.syncBatchnorm });
  const fd = Number(process.env[RESULT_FD_ENV]);
  if (ddp.isGlobalZero && Number.isInteger(fd) && fd > 2) ddp.beforeDispose(() => sendResult(fd, t.callbackMetrics));
  return ddp;
}

/** Rank 0's final metrics to its launcher, as JSON on the result pipe; a launcher that is gone gets nothing. */
function sendResult(fd: number, metrics: Record<string, number>): void {
  try {
    writeSync(fd, JSON.stringify({ metrics }));
    closeSync(fd);
  } catch {
    // EPIPE: the launcher died, and this rank is stopping (parent-watch.ts).
  }
}

/** The metrics rank 0 sent; nothing when it sent nothing readable (it failed before the end). */
function readResult(text: string): Record<string, number> {
  try {
    const { metrics } = JSON.parse(text) as { metrics?: Record<string, number> };
    return typeof metrics === 'object' && metrics !== null ? metrics : {};
  } catch {
    return {};
  }
}

/**
 * Whether every rank should stop now: one all-reduce of this rank's wish, so
 * no rank leaves the others waiting in a collective.
 *
 * @example
 * if (agreeToStop(trainer, mustStopHere)) break;
 */
export function agreeToStop(t: Trainer, stop: boolean): boolean {
  const ddp = t.ddp;
  if (ddp === null || ddp.worldSize === 1) return stop;
  return torch.tidy(() => {
    const flag = torch.tensor([stop ? 1 : 0], { dtype: 'float32' });
    ddp.allReduceSum([flag]);
    return flag.item() > 0;
  });
}

/**
 * The loader options of a val / test split: a data-parallel worker reads its
 * unpadded, strided share, so the ranks' synced metrics cover each sample once.
 *
 * @example
 * dm.valLoader(evalLoaderOverrides(trainer));
 */
export function evalLoaderOverrides(t: Trainer): LoaderOverrides {
  const ddp = t.ddp;
  return { channelsLast: t.channelsLast, ...(ddp !== null ? { sampler: (_base, length) => ddp.evalSampler(length) } : {}) };
}

/**
 * Syncs `split`'s metric states over the ranks (every rank calls it, with or
 * without batches of its own) right before the split's epoch end computes them.
 *
 * @example
 * syncMetrics(trainer, 'val'); module.onValidationEpochEnd();
 */
export function syncMetrics(t: Trainer, split: Split): void {
  const ddp = t.ddp;
  if (ddp === null || ddp.worldSize === 1 || t.module === null) return;
  t.module.syncMetrics?.(split, ddp.metricReducer);
}

/**
 * Whether any rank ran a batch: an evaluation shard can be empty on some ranks
 * (a split smaller than the world), yet all must compute the epoch together.
 *
 * @example
 * if (anyRank(trainer, batchIdx > 0)) module.onValidationEpochEnd();
 */
export function anyRank(t: Trainer, value: boolean): boolean {
  return agreeToStop(t, value);
}

/**
 * A failed rank's error, named. Config and data errors are left as they are:
 * every rank hits the same one, and the launcher prints identical lines once.
 */
export function rankError(t: Trainer, error: unknown): unknown {
  if (t.ddp === null || error instanceof ConfigError || error instanceof DataError) return error;
  return new TrainingError(`rank ${t.ddp.rank}: ${(error as Error).message}`, { cause: error });
}
