/**
 * Between a running Trainer and a checkpoint: `buildCheckpoint` collects the
 * run's whole state, `restoreCheckpoint` puts it back (refusing a changed
 * config unless allowed), and `resolveCheckpoint` turns 'last' / 'best' /
 * 'best:<monitor>' / a path into a readable checkpoint, falling back past a
 * corrupt newest file with a warning that names it.
 *
 * @example
 * const { path, checkpoint } = resolveCheckpoint('last', 'outputs/run/checkpoints', console.warn);
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, SerializationError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { OptimizerStateDict, SchedulerStateDict, StateTree } from '../../torch/optim/index.js';
import type { FitProgress } from '../loops/fit-progress.js';
import type { TrainableModule } from '../trainable-module.js';
import type { Trainer } from '../trainer.js';
import type { Checkpoint } from './checkpoint.js';
import { readCheckpoint, readCheckpointHeader } from './checkpoint-io.js';
import { savedStateOf, statesOfKind } from './callback-states.js';
import { diffConfigs, fingerprintConfig, RESUME_ADDED_DEFAULTS, RESUME_IGNORED_KEYS } from '../../fingerprint.js';

const frameworkVersion = '0.1.0';

/**
 * The run's state as a checkpoint: the loops' progress saves itself
 * (`epoch`, `batchInEpoch`, `globalStep`, history, callback metrics). Its
 * tensors are the module's and the optimizer's own, except `rngState` (a
 * copy the caller disposes).
 *
 * @example
 * const ckpt = buildCheckpoint(trainer, module, progress); writeCheckpoint(ckpt, file); ckpt.rngState?.dispose();
 */
export function buildCheckpoint(trainer: Trainer, module: TrainableModule, progress: FitProgress): Checkpoint {
  const callbacks: Record<string, StateTree> = {};
  for (const c of trainer.callbacks) {
    const state = c.stateDict();
    if (state !== null) callbacks[c.stateKey] = state;
  }
  const dm = trainer.dataModule;
  let labelsMapping: Record<string, unknown> | null = null;
  try {
    labelsMapping = dm !== null ? (dm.labelsMappingOptions() as unknown as Record<string, unknown>) : null;
  } catch {
    labelsMapping = null; // a data set without a known input size: export asks for one then
  }
  const stepper = trainer.stepper?.stateDict() ?? null;
  // The progress saves itself; its keys keep their old places so files stay alike.
  const { epoch, batchInEpoch, globalStep, history, callbackMetrics } = progress.stateDict();
  return {
    epoch,
    batchInEpoch,
    seed: trainer.seed,
    globalStep,
    model: module.stateDict({ keepVars: true }),
    modelInfo: module.modelInfo ?? null,
    hparams: (module.hparams ?? {}) as Record<string, unknown>,
    classes: module.classNames !== undefined ? [...module.classNames] : dm !== null && dm.stagesDone.size > 0 ? [...dm.idxToClass] : null,
    labelsMapping,
    optimizer: (trainer.optimizer?.stateDict() as unknown as StateTree) ?? null,
    scheduler: stepper as unknown as StateTree,
    callbacks,
    rngState: torch.getRngState(),
    history,
    callbackMetrics,
    configFingerprint: trainer.config === null ? null : fingerprintConfig(trainer.config, { exclude: RESUME_IGNORED_KEYS }),
    config: trainer.config,
    extra: { precision: trainer.precision.scaler?.stateDict() ?? null },
    version: frameworkVersion,
  };
}

/** Frees every tensor of a checkpoint that was read from a file. @example disposeCheckpoint(readCheckpoint(file)); */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  torch.dispose(Object.values(checkpoint.model));
  torch.dispose([checkpoint.rngState, checkpoint.optimizer, checkpoint.callbacks, checkpoint.extra]);
}

/**
 * Refuses to resume `file` (saved with `saved`) under a config that trains
 * differently; the keys of `RESUME_IGNORED_KEYS` (run dir, loggers, ckptPath,
 * progress switches) may differ. With `allowConfigChange` it only prints the
 * changed keys. The comparison is by key, not by fingerprint, so checkpoints
 * fingerprinted before a key joined the ignored list still resume.
 *
 * @example
 * checkResumeConfig({ saved: header.config, current: config, file, allowConfigChange: false, print: console.error });
 */
export function checkResumeConfig(options: {
  saved: unknown;
  current: unknown;
  file: string;
  allowConfigChange: boolean;
  print: (message: string) => void;
}): void {
  const { saved, current, file } = options;
  if (saved === null || saved === undefined || current === null || current === undefined) return;
  const diff = diffConfigs(saved, current, { exclude: RESUME_IGNORED_KEYS, absent: RESUME_ADDED_DEFAULTS });
  if (diff.length === 0) return;
  if (options.allowConfigChange) {
    options.print(`Trainer: resuming ${file} with a changed config (${diff.map((d) => d.key).join(', ')}), as allowed`);
    return;
  }
  const lines = diff.map((d) => `${d.key}: ${JSON.stringify(d.a)} -> ${JSON.stringify(d.b)}`);
  throw new ConfigError(
    `Trainer: expected the config ${file} was saved with, but got changes in ${lines.join('; ')} (set trainer.resume.allowConfigChange=true to resume anyway)`,
    diff.map((d) => ({ path: d.key, message: `changed from ${JSON.stringify(d.a)} to ${JSON.stringify(d.b)}` })),
  );
}

/**
 * Puts a checkpoint's state back into the module, the callbacks, the loops'
 * progress and the optimizer. With `training: false` only the weights (and
 * EMA, through its callback) are restored.
 *
 * @example
 * restoreCheckpoint(trainer, module, progress, readCheckpoint(file), { training: true, file });
 */
export function restoreCheckpoint(
  trainer: Trainer,
  module: TrainableModule,
  progress: FitProgress,
  checkpoint: Checkpoint,
  options: { training: boolean; file: string },
): void {
  if (options.training && trainer.config !== null && checkpoint.configFingerprint !== null)
    checkResumeConfig({
      saved: checkpoint.config,
      current: trainer.config,
      file: options.file,
      allowConfigChange: trainer.options.resume.allowConfigChange,
      print: (m) => trainer.print(m),
    });
  module.loadStateDict(checkpoint.model);
  for (const c of trainer.callbacks) {
    const state = savedStateOf(checkpoint.callbacks, c, trainer.callbacks);
    if (state !== undefined) c.loadStateDict(state);
  }
  if (!options.training) return;
  progress.loadStateDict(checkpoint);
  if (checkpoint.optimizer !== null) trainer.optimizer?.loadStateDict(checkpoint.optimizer as unknown as OptimizerStateDict<never>);
  if (checkpoint.scheduler !== null)
    trainer.stepper?.loadStateDict(checkpoint.scheduler as unknown as { scheduler: SchedulerStateDict | null; count: number });
  const scaler = checkpoint.extra.precision as { scale: number; goodSteps: number } | null | undefined;
  if (scaler) trainer.precision.scaler?.loadStateDict(scaler);
  if (checkpoint.rngState !== null) torch.setRngState(checkpoint.rngState);
}

function checkpointsByAge(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ckpt'))
    .map((n) => path.join(dir, n))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

interface RankingState {
  bestModelPath?: string;
  monitor?: string | null;
  mode?: string;
}

const describeMonitor = (s: RankingState): string => (s.monitor ? `${s.monitor} (${s.mode ?? 'min'})` : '(no monitor: newest)');

/** Refuses 'best' when the rankings name different files: which one is meant cannot be guessed. */
function ambiguousBest(file: string, rankings: readonly RankingState[]): ConfigError {
  const listed = rankings.map((s) => `${describeMonitor(s)} -> ${path.basename(s.bestModelPath ?? '')}`).join(', ');
  const choices = rankings.filter((s) => s.monitor).map((s) => `ckptPath=best:${s.monitor}`);
  return new ConfigError(
    `Trainer: expected ckptPath 'best' to name one checkpoint, but ${file} ranks by ${rankings.length} monitors: ${listed}; choose with ${[...choices, 'a checkpoint file'].join(' or ')}`,
    [{ path: 'ckptPath', message: `'best' is ambiguous between ${rankings.map(describeMonitor).join(', ')}` }],
  );
}

/**
 * The best checkpoint the ModelCheckpoint states of `file` name, inside `dir`
 * (never a path into another run); `monitor` picks one ranking when a run has
 * several. Null when `file` does not read or names no best file that exists.
 */
function bestFrom(file: string, dir: string, monitor: string | null): string | null {
  let states: RankingState[];
  try {
    states = statesOfKind(readCheckpointHeader(file).callbacks, 'ModelCheckpoint').map(([, s]) => s as RankingState);
  } catch {
    return null; // unreadable: the next candidate is tried
  }
  const chosen = monitor === null ? states : states.filter((s) => s.monitor === monitor);
  if (monitor !== null && chosen.length === 0 && states.length > 0) {
    const known = states.map(describeMonitor).join(', ');
    throw new ConfigError(`Trainer: expected ckptPath 'best:${monitor}' to name a monitor of ${file}, but got ${known}`, [
      { path: 'ckptPath', message: `no checkpoint callback monitors '${monitor}'; known: ${known}` },
    ]);
  }
  const ranked = chosen.filter((s) => s.bestModelPath);
  if (new Set(ranked.map((s) => path.basename(s.bestModelPath!))).size > 1) throw ambiguousBest(file, ranked);
  if (ranked.length === 0) return null;
  const best = path.join(dir, path.basename(ranked[0].bestModelPath!));
  return existsSync(best) ? best : null;
}

/**
 * The files `ckptPath` may mean, best guess first: a path is itself; 'last'
 * is `last.ckpt` then every checkpoint of `checkpointDir` newest first;
 * 'best' puts the best one the newest readable state names in front, and
 * 'best:<monitor>' the best of the checkpoint callback monitoring that metric
 * (needed when a run ranks by several: 'best' alone then throws a ConfigError
 * listing them). Throws when 'last' / 'best' find no checkpoint at all.
 *
 * @example
 * checkpointCandidates('last', 'outputs/r1/checkpoints'); // ['/abs/outputs/r1/checkpoints/last.ckpt', ...]
 * checkpointCandidates('best:val/loss', 'outputs/r1/checkpoints')[0]; // the best val/loss checkpoint
 */
export function checkpointCandidates(ckptPath: string, checkpointDir: string): string[] {
  const monitor = ckptPath.startsWith('best:') ? ckptPath.slice('best:'.length) : null;
  if (ckptPath !== 'last' && ckptPath !== 'best' && monitor === null) return [ckptPath];
  const byAge = checkpointsByAge(checkpointDir);
  const last = path.join(checkpointDir, 'last.ckpt');
  let candidates = [...(byAge.includes(last) ? [last] : []), ...byAge.filter((f) => f !== last)];
  if (ckptPath !== 'last') {
    let best: string | null = null;
    for (const file of candidates) if ((best = bestFrom(file, checkpointDir, monitor)) !== null) break;
    if (best !== null) candidates = [best, ...candidates.filter((f) => f !== best)];
  }
  if (candidates.length === 0)
    throw new SerializationError(`Trainer: expected a checkpoint in ${checkpointDir} for ckptPath '${ckptPath}', but found none`);
  return candidates;
}

/**
 * Resolves 'last', 'best', 'best:<monitor>' or a path to a checkpoint that
 * reads; a corrupt newest checkpoint is skipped (with a warning naming it)
 * for the previous valid one.
 *
 * @example
 * const { path, checkpoint } = resolveCheckpoint('best', 'outputs/run/checkpoints', console.warn);
 */
export function resolveCheckpoint(
  ckptPath: string,
  checkpointDir: string,
  warn: (message: string) => void,
): { path: string; checkpoint: Checkpoint } {
  const candidates = checkpointCandidates(ckptPath, checkpointDir);
  const failures: string[] = [];
  for (const file of candidates) {
    try {
      const checkpoint = readCheckpoint(file);
      if (failures.length > 0) warn(`Trainer: skipped unreadable checkpoint(s) ${failures.join('; ')}; using ${file}`);
      return { path: file, checkpoint };
    } catch (error) {
      if (candidates.length === 1) throw error;
      failures.push(`${file} (${(error as Error).message})`);
    }
  }
  throw new SerializationError(
    `Trainer: expected a readable checkpoint for ckptPath '${ckptPath}', but every candidate failed: ${failures.join('; ')}`,
  );
}
