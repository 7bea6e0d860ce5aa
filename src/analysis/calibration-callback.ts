/**
 * `Calibration`: temperature scaling at the end of `fit`. For each
 * checkpoint it names ('best' and 'last' by default), it rebuilds the model
 * the way export does (EMA weights when the run kept them), runs it over the
 * validation split, fits the temperature (`calibrate`), and writes it into
 * that checkpoint file, so export carries it into the ONNX metadata and
 * `predict` reports calibrated probabilities. A temperature belongs to the
 * weights it was fitted for, so each file gets its own; files holding the
 * same state (last.ckpt copied from the best one) share one fit, and names of
 * one file (last.ckpt hard-linked to the best one by `ModelCheckpoint`) share
 * one write: the file is read and rewritten once and the other names are
 * linked to the result. The final state (what last.ckpt holds) is fitted as
 * its checkpoint is written, so its file is written once, with the
 * temperature, and fit end only reads its header. The first
 * checkpoint's result also goes to `analysis/calibration.json` and
 * `analysis/reliability.png`.
 *
 * It runs before an `export_onnx` callback listed after it (callbacks run in
 * the config's order), so the exported model carries the temperature.
 *
 * @example
 * new Trainer({ callbacks: [new Calibration({ weights: ['best'] })] });
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DataLoader } from '../data/data-loader.js';
import { parseOptions } from '../data/transforms/options.js';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { Callback } from '../training/callback.js';
import { readCheckpointHeader, writeCheckpoint } from '../training/checkpoint/checkpoint-io.js';
import { checkpointCandidates, disposeCheckpoint, resolveCheckpoint } from '../training/checkpoint/checkpoint-connector.js';
import { linkFileAtomic } from '../torch/serialization/atomic-write.js';
import type { Checkpoint, CheckpointCalibration } from '../training/checkpoint/checkpoint.js';
import { moduleFromCheckpoint } from '../training/export-checkpoint.js';
import type { TrainableModule } from '../training/trainable-module.js';
import type { TrainerView } from '../training/trainer-view.js';
import { analysisFiles } from './analysis-files.js';
import { calibrate } from './calibration.js';
import type { CalibrationResult } from './calibration.js';
import { writeCalibrationFiles } from './calibration-files.js';

/** Options of `Calibration`. */
export const calibrationSchema = z
  .object({
    /** The checkpoints to calibrate: 'best', 'last', 'best:<monitor>' or paths. */
    weights: z.array(z.string().min(1)).min(1).default(['best', 'last']),
    /** Folder of the checkpoints (default `<runDir>/checkpoints`, ModelCheckpoint's). */
    dirpath: z.string().min(1).nullable().default(null),
    /** Equal-width confidence bins of the ECE and the reliability diagram. */
    nBins: z.number().int().min(1).default(15),
  })
  .strict();

/** What the constructor accepts. */
export type CalibrationOptions = z.input<typeof calibrationSchema>;

/**
 * The logits [N, C] and labels [N] of `module` (in eval mode, without gradients) over every batch of `loader`.
 *
 * @example
 * const { logits, labels } = await collectLogits(module, dm.valLoader());
 */
export async function collectLogits(module: Module, loader: DataLoader): Promise<{ logits: torch.Tensor; labels: torch.Tensor }> {
  const device = module.parameters()[0]?.device ?? 'cpu';
  const logits: torch.Tensor[] = [];
  const labels: torch.Tensor[] = [];
  const wasTraining = module.training;
  module.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      const out = torch.tidy(() => torch.noGrad(() => module.forward(batch.images.to({ device })).float().to({ device: 'cpu' })));
      logits.push(torch.keep(out));
      labels.push(batch.labels);
      batch.images.dispose();
    }
    return torch.tidy(() => ({ logits: torch.cat(logits, 0), labels: torch.cat(labels, 0) }));
  } finally {
    torch.dispose([...logits, ...labels]);
    module.train(wasTraining);
  }
}

/** The weights a checkpoint holds, as far as a fit can tell: files with the same position hold the same state. */
const stateOf = (c: Pick<Checkpoint, 'epoch' | 'batchInEpoch' | 'globalStep'>): string =>
  JSON.stringify([c.epoch, c.batchInEpoch, c.globalStep]);

/** What a checkpoint stores of a fit on the val split. */
const calibrationOf = ({ temperature, samples, nll, ece }: CalibrationResult): CheckpointCalibration => ({
  temperature,
  split: 'val',
  samples,
  nll,
  ece,
});

/** One fit end's bookkeeping: fits by state, files done, files rewritten (by their id before), whether analysis/ has its files. */
interface FitEndPass {
  fitted: Map<string, CalibrationResult>;
  done: Set<string>;
  rewritten: Map<string, string>;
  filesWritten: boolean;
}

/** Which file a path names (device and inode): two names of one file give one id. */
const fileId = (file: string): string => {
  const { dev, ino } = statSync(file, { bigint: true });
  return `${dev}:${ino}`;
};

/** Fits the temperature of each named checkpoint on the validation split when fit ends. */
export class Calibration extends Callback {
  readonly options: z.output<typeof calibrationSchema>;
  /** The calibration written into each checkpoint file by the last fit. */
  readonly results = new Map<string, CheckpointCalibration>();
  /** The step of the last validation pass (not the sanity check), -1 before any. */
  #validatedAtStep = -1;
  /** The temperature fitted for the final state as its checkpoint was written (`onSaveCheckpoint`). */
  #atSave: { state: string; result: CalibrationResult } | null = null;

  constructor(options: CalibrationOptions = {}) {
    super();
    this.options = parseOptions('Calibration', calibrationSchema, options);
  }

  /** Reports and writes files only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  override onFitStart(): void {
    this.#atSave = null;
    this.#validatedAtStep = -1;
  }

  override onValidationEnd(trainer: TrainerView): void {
    if (!trainer.sanityChecking) this.#validatedAtStep = trainer.globalStep;
  }

  override async onFitEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    const dm = trainer.dataModule;
    if (!trainer.isGlobalZero) return;
    // Temperature scaling rescales one softmax; a multi-label model's labels are independent sigmoids.
    if (module.exportMetadata?.task === 'multilabel') {
      trainer.print(
        'Calibration: skipped, temperature scaling is for single-label (softmax) runs; a multi-label run decides by its thresholds',
      );
      return;
    }
    // Stopped between validations (Ctrl-C, SIGTERM, a Timer): the user wants out, not a pass over the val split.
    if (trainer.shouldStop && this.#validatedAtStep !== trainer.globalStep) {
      trainer.print("Calibration: skipped, the fit stopped mid-epoch; 'analyze --split val' fits a temperature later");
      return;
    }
    if (dm === null || dm.val === null) {
      trainer.print('Calibration: skipped, the run has no validation split to fit a temperature on');
      return;
    }
    const dir = path.resolve(this.options.dirpath ?? path.join(trainer.runDir, 'checkpoints'));
    if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.ckpt'))) {
      trainer.print(`Calibration: skipped, no checkpoint in ${dir} to store a temperature in`);
      return;
    }
    const device = module.parameters()[0]?.device ?? 'cpu';
    const pass: FitEndPass = { fitted: new Map(), done: new Set(), rewritten: new Map(), filesWritten: false };
    const atSave = this.#atSave;
    if (atSave !== null) pass.fitted.set(atSave.state, atSave.result);
    for (const weights of this.options.weights) {
      if (await this.#writtenAtSave(trainer, weights, dir, pass)) continue;
      if (this.#followRewrite(trainer, weights, dir, pass)) continue;
      const resolved = this.#resolve(trainer, weights, dir);
      if (resolved === null) continue;
      const { path: file, checkpoint } = resolved;
      try {
        if (pass.done.has(file)) continue;
        pass.done.add(file);
        if (checkpoint.modelInfo === null) {
          trainer.print(`Calibration: skipped ${file}, its model was not built by name (no modelInfo) and cannot be rebuilt from the file`);
          continue;
        }
        let result = pass.fitted.get(stateOf(checkpoint));
        if (result === undefined) {
          result = await this.#fit(checkpoint, file, dm.valLoader(), device);
          pass.fitted.set(stateOf(checkpoint), result);
        }
        await this.#writeFilesOnce(trainer, result, file, pass);
        checkpoint.calibration = calibrationOf(result);
        const before = fileId(file);
        writeCheckpoint(checkpoint, file);
        pass.rewritten.set(before, file);
        this.#stored(trainer, file, checkpoint.calibration);
      } finally {
        disposeCheckpoint(checkpoint);
      }
    }
  }

  /**
   * At the last save point of a fit (its final epoch, or a stop right after
   * a validation) fits the temperature of the checkpoint being written, so
   * the file is written once, with it, and fit end neither reads nor rewrites
   * it. Only when 'last' is calibrated: last.ckpt always holds that state.
   */
  override async onSaveCheckpoint(trainer: TrainerView, module: TrainableModule, checkpoint: Checkpoint): Promise<void> {
    const dm = trainer.dataModule;
    const finalEpoch = trainer.maxEpochs !== null && trainer.currentEpoch + 1 >= trainer.maxEpochs;
    if (
      !trainer.isGlobalZero ||
      trainer.stage !== 'fit' ||
      !this.options.weights.includes('last') ||
      module.exportMetadata?.task === 'multilabel' ||
      dm === null ||
      dm.val === null ||
      checkpoint.modelInfo === null ||
      checkpoint.batchInEpoch !== 0 ||
      this.#validatedAtStep !== trainer.globalStep ||
      !(finalEpoch || trainer.shouldStop)
    )
      return;
    if (this.#atSave?.state !== stateOf(checkpoint)) {
      // Rebuilding the model draws initial weights: the run's generator is left where it was.
      const rng = torch.getRngState();
      try {
        const device = module.parameters()[0]?.device ?? 'cpu';
        const result = await this.#fit(checkpoint, 'the checkpoint being written', dm.valLoader(), device);
        this.#atSave = { state: stateOf(checkpoint), result };
      } finally {
        torch.setRngState(rng);
        rng.dispose();
      }
    }
    checkpoint.calibration = calibrationOf(this.#atSave.result);
  }

  /**
   * When `weights` names a file written with the temperature fitted at its
   * save (`onSaveCheckpoint`), as its header shows, records it without
   * reading or writing the file and returns true.
   */
  async #writtenAtSave(trainer: TrainerView, weights: string, dir: string, pass: FitEndPass): Promise<boolean> {
    const atSave = this.#atSave;
    if (atSave === null) return false;
    let file: string;
    let header: ReturnType<typeof readCheckpointHeader>;
    try {
      file = checkpointCandidates(weights, dir)[0];
      header = readCheckpointHeader(file);
    } catch {
      return false; // #resolve says why
    }
    const stored = header.calibration;
    if (pass.done.has(file) || stateOf(header) !== atSave.state || stored?.temperature !== atSave.result.temperature) return false;
    pass.done.add(file);
    await this.#writeFilesOnce(trainer, atSave.result, file, pass);
    this.#stored(trainer, file, stored);
    return true;
  }

  /**
   * When `weights` names another name of a file already calibrated in this
   * fit, links that name to the rewritten file (no read, no second write) and
   * returns true.
   */
  #followRewrite(trainer: TrainerView, weights: string, dir: string, pass: FitEndPass): boolean {
    let file: string;
    let id: string;
    try {
      file = checkpointCandidates(weights, dir)[0];
      id = fileId(file);
    } catch {
      return false; // #resolve says why
    }
    const target = pass.rewritten.get(id);
    if (target === undefined || pass.done.has(file)) return false;
    pass.done.add(file);
    linkFileAtomic(target, file, { what: 'checkpoint' });
    this.#stored(trainer, file, this.results.get(target)!);
    return true;
  }

  #stored(trainer: TrainerView, file: string, calibration: CheckpointCalibration): void {
    this.results.set(file, calibration);
    const { temperature, nll, ece } = calibration;
    trainer.print(
      `Calibration: temperature ${temperature.toFixed(4)} for ${path.relative(trainer.runDir, file)} (val NLL ${nll.before.toFixed(4)} -> ${nll.after.toFixed(4)}, ECE ${ece.before.toFixed(4)} -> ${ece.after.toFixed(4)})`,
    );
  }

  /**
   * The checkpoint `weights` names; null (and a log line) when 'best' cannot name one file: a
   * finished run is not failed over its calibration, and the line says how to choose.
   */
  #resolve(trainer: TrainerView, weights: string, dir: string): { path: string; checkpoint: Checkpoint } | null {
    try {
      return resolveCheckpoint(weights, dir, (m) => trainer.print(m));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      trainer.print(`Calibration: skipped '${weights}' (${error.message}); name them in callbacks.calibration.weights`);
      return null;
    }
  }

  async #fit(checkpoint: Checkpoint, file: string, loader: DataLoader, device: torch.Device): Promise<CalibrationResult> {
    const { module } = moduleFromCheckpoint(checkpoint, { file });
    try {
      if (device !== 'cpu') module.to({ device });
      const { logits, labels } = await collectLogits(module, loader);
      try {
        return calibrate(logits, labels, { nBins: this.options.nBins });
      } finally {
        torch.dispose([logits, labels]);
      }
    } finally {
      module.dispose();
    }
  }

  /** analysis/calibration.json and reliability.png, of the first checkpoint calibrated. */
  async #writeFilesOnce(trainer: TrainerView, result: CalibrationResult, file: string, pass: FitEndPass): Promise<void> {
    if (pass.filesWritten) return;
    pass.filesWritten = true;
    const checkpoint = path.relative(trainer.runDir, file);
    await writeCalibrationFiles(path.join(trainer.runDir, analysisFiles.dir), result, { split: 'val', checkpoint });
  }
}

register({
  group: 'callback',
  name: 'calibration',
  schema: calibrationSchema,
  build: (o: CalibrationOptions) => new Calibration(o),
  description: 'fits temperature scaling on the val split at the end of fit and stores it in the checkpoints',
});
