/**
 * `ModelCheckpoint`: Lightning's ModelCheckpoint. After every `everyNEpochs`
 * epochs (or `everyNTrainSteps` steps) it writes a checkpoint named by
 * `filename`, keeps the `saveTopK` best by `monitor` (or the newest when
 * there is no monitor), and keeps `last.ckpt` as the newest state. The state
 * is serialized and written once per save: when the newest file is also a
 * kept one, `last.ckpt` is a hard link to it (one inode, no second 134 MB
 * write for a ResNet18), which stays apart from it once either is replaced,
 * since every checkpoint write is a rename. A run that stops mid-epoch
 * (maxSteps, a signal) gets a `last.ckpt` that resumes at the next batch.
 *
 * Its saved state names files relative to its folder, and it only ever
 * deletes files inside that folder: a run resumed from another run's
 * checkpoint, or a run dir copied elsewhere, never touches the original's
 * files. Temporary files left by a killed write are removed when fit starts.
 *
 * `filename` is a template: `{epoch}` → `epoch=3`, `{val/acc_top1:.4f}` →
 * `val_acc_top1=0.9312`. Metric names never create folders: '/' and other
 * path characters become '_'.
 *
 * @example
 * new ModelCheckpoint({ monitor: 'val/acc_top1', mode: 'max', saveTopK: 3 });
 */
import { existsSync, rmSync } from 'node:fs';
import { linkFileAtomic, removeStaleTemporaries } from '../../torch/serialization/atomic-write.js';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { parseOptions } from '../../data/transforms/options.js';
import { register } from '../../registry.js';
import type { StateTree } from '../../torch/optim/index.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `ModelCheckpoint`. */
export const modelCheckpointSchema = z
  .object({
    /** Folder of the checkpoints (default `<runDir>/checkpoints`). */
    dirpath: z.string().min(1).nullable().default(null),
    filename: z.string().min(1).default('{epoch}-{step}'),
    /** The metric that ranks checkpoints (null: the newest is the best). */
    monitor: z.string().min(1).nullable().default(null),
    mode: z.enum(['min', 'max']).default('min'),
    /** Best checkpoints to keep (-1: all, 0: none but last). */
    saveTopK: z.number().int().min(-1).default(1),
    saveLast: z.boolean().default(true),
    everyNEpochs: z.number().int().min(1).default(1),
    /** Save every N optimizer steps instead of every N epochs. */
    everyNTrainSteps: z.number().int().min(1).nullable().default(null),
  })
  .strict();

/** What the constructor accepts. */
export type ModelCheckpointOptions = z.input<typeof modelCheckpointSchema>;

const unsafe = /[/\\:*?"<>|\s]+/g;

/**
 * Fills a filename template from the run's numbers; names are made safe for a single path segment.
 *
 * @example
 * formatCheckpointName('{epoch}-{val/loss:.3f}', { epoch: 2, 'val/loss': 0.41234 }); // 'epoch=2-val_loss=0.412'
 */
export function formatCheckpointName(template: string, values: Readonly<Record<string, number>>): string {
  const name = template.replace(/\{([^{}:]+)(?::\.(\d+)f)?\}/g, (_m, key: string, digits: string | undefined) => {
    const value = values[key];
    const shown = value === undefined ? 'NA' : digits !== undefined ? value.toFixed(Number(digits)) : String(value);
    return `${key.replace(unsafe, '_')}=${shown}`;
  });
  return name.replace(unsafe, '_');
}

/**
 * Which checkpoint callback of a Trainer writes each folder + filename
 * template: two rankings over one set of files would delete each other's best.
 */
const claims = new WeakMap<TrainerView, Map<string, ModelCheckpoint>>();

/** Writes checkpoints and keeps the best ones. */
export class ModelCheckpoint extends Callback {
  readonly options: z.output<typeof modelCheckpointSchema>;
  /** The best `saveTopK` checkpoints, best first: [path, score]. */
  bestKModels: [string, number][] = [];
  bestModelPath = '';
  bestModelScore: number | null = null;
  lastModelPath = '';
  #lastSavedStep = -1;
  /** The folder of this run's checkpoints, known from `setup` on (saved paths are relative to it). */
  #folder: string | null = null;

  constructor(options: ModelCheckpointOptions = {}) {
    super();
    this.options = parseOptions('ModelCheckpoint', modelCheckpointSchema, options);
  }

  /** Saves the run: placed last, so it saves what the other callbacks left. */
  override get place(): 'checkpoint' {
    return 'checkpoint';
  }

  /** Class + the options that tell two checkpoint callbacks apart, as Lightning keys them. */
  override get stateKey(): string {
    const { monitor, mode, everyNEpochs, everyNTrainSteps } = this.options;
    return this.generateStateKey({ monitor, mode, everyNEpochs, everyNTrainSteps });
  }

  #dir(trainer: TrainerView): string {
    return path.resolve(this.options.dirpath ?? path.join(trainer.runDir, 'checkpoints'));
  }

  override setup(trainer: TrainerView): void {
    this.#folder = this.#dir(trainer);
    this.#claimFiles(trainer, this.#folder);
    if (trainer.stage === 'fit' && trainer.isGlobalZero) removeStaleTemporaries(this.#folder);
  }

  /** Refuses a second checkpoint callback of this Trainer writing the same files (`last.ckpt` alone may be shared). */
  #claimFiles(trainer: TrainerView, folder: string): void {
    if (this.options.saveTopK === 0) return;
    const files = path.join(folder, this.options.filename);
    const mine = claims.get(trainer) ?? new Map<string, ModelCheckpoint>();
    claims.set(trainer, mine);
    const other = mine.get(files);
    if (other !== undefined && other !== this) {
      throw new ConfigError(
        `ModelCheckpoint: expected each checkpoint callback to write its own files, but ${other.stateKey} and ${this.stateKey} both write '${this.options.filename}' in ${folder}; give one another filename (e.g. 'loss-{epoch}-{val/loss:.4f}') or dirpath`,
        [{ path: 'callbacks', message: `two checkpoint callbacks write '${this.options.filename}' in ${folder}` }],
      );
    }
    mine.set(files, this);
  }

  /** Whether `file` lies inside this run's checkpoint folder (the only files it may delete or rank). */
  #owns(file: string): boolean {
    if (this.#folder === null) return false;
    const relative = path.relative(this.#folder, path.resolve(file));
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  }

  override async onTrainBatchEnd(trainer: TrainerView): Promise<void> {
    const n = this.options.everyNTrainSteps;
    if (n !== null && trainer.globalStep % n === 0 && trainer.globalStep !== this.#lastSavedStep) await this.save(trainer);
  }

  override async onTrainEpochEnd(trainer: TrainerView): Promise<void> {
    if (this.options.everyNTrainSteps === null && (trainer.currentEpoch + 1) % this.options.everyNEpochs === 0) await this.save(trainer);
  }

  /** A run that stops between scheduled saves still leaves a `last.ckpt` it can resume from. */
  override async onTrainEnd(trainer: TrainerView): Promise<void> {
    if (this.options.saveLast && trainer.globalStep !== this.#lastSavedStep) await this.#saveLast(trainer, null);
  }

  #better(a: number, b: number): boolean {
    return this.options.mode === 'min' ? a < b : a > b;
  }

  /** Writes the scheduled checkpoint (top-k and last) of the run as it stands. */
  async save(trainer: TrainerView): Promise<void> {
    if (!trainer.isGlobalZero) return;
    const { monitor, saveTopK, filename } = this.options;
    const metrics = trainer.callbackMetrics;
    let score: number | null = null;
    if (monitor !== null) {
      const value = metrics[monitor];
      if (value === undefined) {
        throw new ConfigError(
          `ModelCheckpoint: expected the monitored metric '${monitor}' to be logged, but it was not; available: ${Object.keys(metrics).sort().join(', ') || '(none)'}`,
          [{ path: 'callbacks.ModelCheckpoint.monitor', message: `'${monitor}' not logged` }],
        );
      }
      score = Number.isFinite(value) ? value : null;
    }
    const file = path.join(
      this.#dir(trainer),
      `${formatCheckpointName(filename, { ...metrics, epoch: trainer.currentEpoch, step: trainer.globalStep })}.ckpt`,
    );
    const keep =
      saveTopK === -1 ||
      (saveTopK > 0 &&
        (monitor === null ||
          (score !== null &&
            (this.bestKModels.length < saveTopK || this.#better(score, this.bestKModels[this.bestKModels.length - 1][1])))));
    let evicted: string[] = [];
    if (keep) {
      const ranked = [...this.bestKModels.filter(([p]) => p !== file), [file, score ?? trainer.globalStep] as [string, number]];
      if (monitor !== null) ranked.sort((a, b) => (this.#better(a[1], b[1]) ? -1 : this.#better(b[1], a[1]) ? 1 : 0));
      else ranked.sort((a, b) => b[1] - a[1]);
      const limit = saveTopK === -1 ? ranked.length : saveTopK;
      evicted = ranked.slice(limit).map(([p]) => p);
      this.bestKModels = ranked.slice(0, limit);
      [this.bestModelPath, this.bestModelScore] = this.bestKModels[0];
      if (monitor === null) this.bestModelScore = null;
    }
    this.#lastSavedStep = trainer.globalStep;
    if (keep) await trainer.saveCheckpoint(file);
    if (this.options.saveLast) await this.#saveLast(trainer, keep ? file : null);
    // Evicted files go only once the new ones are complete.
    for (const old of evicted) if (this.#owns(old)) rmSync(old, { force: true });
  }

  async #saveLast(trainer: TrainerView, written: string | null): Promise<void> {
    const last = path.join(this.#dir(trainer), 'last.ckpt');
    this.#lastSavedStep = trainer.globalStep;
    this.lastModelPath = last;
    if (written === null) return trainer.saveCheckpoint(last);
    linkFileAtomic(written, last, { what: 'checkpoint' });
  }

  override stateDict(): StateTree {
    const relative = (file: string): string => (file === '' || this.#folder === null ? file : path.relative(this.#folder, file));
    return {
      bestKModels: this.bestKModels.map(([p, v]) => [relative(p), v]),
      bestModelPath: relative(this.bestModelPath),
      bestModelScore: this.bestModelScore,
      lastModelPath: relative(this.lastModelPath),
      monitor: this.options.monitor,
      mode: this.options.mode,
    };
  }

  /**
   * Restores the ranking into this run's folder: relative paths are resolved
   * there; an absolute path (a checkpoint from before paths were relative)
   * keeps its file name inside this folder; entries whose file is not there
   * drop out, so a resumed run ranks, and later deletes, only its own files.
   */
  override loadStateDict(state: StateTree): void {
    const s = state as {
      bestKModels: [string, number][];
      bestModelPath: string;
      bestModelScore: number | null;
      lastModelPath: string;
      monitor: string | null;
    };
    if (s.monitor !== this.options.monitor) return; // another metric: its ranking does not apply
    const folder = this.#folder;
    const mine = (file: string): string => (folder === null || file === '' ? '' : path.join(folder, path.basename(file)));
    this.bestKModels = s.bestKModels.map(([p, v]): [string, number] => [mine(p), v]).filter(([p]) => p !== '' && existsSync(p));
    const best = this.bestKModels[0];
    this.bestModelPath = best?.[0] ?? '';
    this.bestModelScore = best === undefined || this.options.monitor === null ? null : best[1];
    this.lastModelPath = mine(s.lastModelPath);
  }
}

register({
  group: 'callback',
  name: 'model_checkpoint',
  schema: modelCheckpointSchema,
  build: (o: ModelCheckpointOptions) => new ModelCheckpoint(o),
  description: 'writes checkpoints, keeps the best k and last.ckpt',
});
