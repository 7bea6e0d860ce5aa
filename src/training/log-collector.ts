/**
 * `LogCollector`: what the module and callbacks `log()` becomes numbers for
 * the loggers, without a host sync per step. Step values stay tensors until
 * `flushSteps()` reads all of them in one `stack(...).data()`; epoch values
 * are summed (weighted by batch size) into one tensor per name and read once
 * at epoch end. The collector owns every tensor handed to it, so whoever logs
 * a tensor never disposes it.
 *
 * Names follow Lightning: a value logged both on step and on epoch becomes
 * `<name>_step` and `<name>_epoch`.
 *
 * @example
 * collector.add(module.takeLogs(), { step: 10, epoch: 0 }, 64);
 * const rows = collector.flushSteps();       // [{ at: { step, epoch }, metrics: { 'train/loss_step': 0.41 } }]
 * const epoch = collector.reduceEpoch();     // { 'val/acc_top1': 0.93, ... }
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { ShapeError } from '../errors.js';
import type { LogEntry } from '../metrics/log-entry.js';
import type { LogStep } from './logger.js';

interface StepValue {
  name: string;
  value: Tensor | number;
  at: LogStep;
}

interface EpochSum {
  sum: Tensor | number;
  weight: number;
}

/** Values logged at one step, as numbers. */
export interface StepRow {
  at: LogStep;
  metrics: Record<string, number>;
}

function checkScalar(name: string, t: Tensor): void {
  if (t.numel() !== 1) throw new ShapeError(`log: expected a scalar (one element) for '${name}', but got shape [${t.shape.join(', ')}]`);
}

/** Collects logged values and reduces them in batches. */
export class LogCollector {
  #steps: StepValue[] = [];
  /** Epoch sums per bucket ('train', 'val', 'test'), so a validation inside an epoch does not drain the train sums. */
  #epoch = new Map<string, Map<string, EpochSum>>();
  /** Names shown on the progress bar. */
  readonly progBarNames = new Set<string>();

  /** Takes ownership of `entries` (their tensors are disposed by the collector). */
  add(entries: readonly LogEntry[], at: LogStep, batchSize = 1, bucket = 'train'): void {
    for (const e of entries) {
      try {
        this.#addOne(e, at, batchSize, bucket);
      } catch (error) {
        for (const rest of entries) if (typeof rest.value !== 'number') rest.value.dispose();
        throw error;
      }
    }
  }

  #addOne(e: LogEntry, at: LogStep, batchSize: number, bucket: string): void {
    const both = e.onStep && e.onEpoch;
    const stepName = both ? `${e.name}_step` : e.name;
    const epochName = both ? `${e.name}_epoch` : e.name;
    if (typeof e.value !== 'number') checkScalar(e.name, e.value);
    if (e.progBar) this.progBarNames.add(e.onEpoch ? epochName : stepName);
    if (e.onEpoch) this.#accumulate(bucket, epochName, e.value, batchSize);
    if (e.onStep) this.#steps.push({ name: stepName, value: e.value, at });
    else if (typeof e.value !== 'number') e.value.dispose();
  }

  #accumulate(bucket: string, name: string, value: Tensor | number, weight: number): void {
    const sums = this.#epoch.get(bucket) ?? new Map<string, EpochSum>();
    this.#epoch.set(bucket, sums);
    const prev = sums.get(name);
    if (typeof value === 'number' && (prev === undefined || typeof prev.sum === 'number')) {
      sums.set(name, { sum: ((prev?.sum as number | undefined) ?? 0) + value * weight, weight: (prev?.weight ?? 0) + weight });
      return;
    }
    const sum = torch.tidy(() => {
      const v = typeof value === 'number' ? torch.tensor([value]) : value.detach().to({ dtype: 'float64' }).reshape([1]);
      const scaled = v.mul(weight);
      return torch.keep(prev === undefined ? scaled : typeof prev.sum === 'number' ? scaled.add(prev.sum) : scaled.add(prev.sum));
    });
    if (prev !== undefined && typeof prev.sum !== 'number') prev.sum.dispose();
    sums.set(name, { sum, weight: (prev?.weight ?? 0) + weight });
  }

  /** True when step values wait to be read. */
  get hasPendingSteps(): boolean {
    return this.#steps.length > 0;
  }

  /** Reads every pending step value in one host transfer, grouped by step. */
  flushSteps(): StepRow[] {
    const steps = this.#steps;
    this.#steps = [];
    const tensors = steps.filter((s) => typeof s.value !== 'number').map((s) => s.value as Tensor);
    let read: Float64Array | null = null;
    if (tensors.length > 0) {
      try {
        read = torch.tidy(() => torch.stack(tensors.map((t) => t.to({ dtype: 'float64' }).reshape([]))).data() as Float64Array);
      } finally {
        for (const t of tensors) t.dispose();
      }
    }
    const rows = new Map<string, StepRow>();
    let k = 0;
    for (const s of steps) {
      const value = typeof s.value === 'number' ? s.value : (read as Float64Array)[k++];
      const key = `${s.at.epoch}:${s.at.step}`;
      const row = rows.get(key) ?? { at: s.at, metrics: {} };
      row.metrics[s.name] = value;
      rows.set(key, row);
    }
    return [...rows.values()];
  }

  /** The weighted means of everything logged on epoch since the last call, read in one transfer. */
  reduceEpoch(bucket = 'train'): Record<string, number> {
    const entries = [...(this.#epoch.get(bucket)?.entries() ?? [])];
    this.#epoch.delete(bucket);
    const tensors = entries.filter(([, e]) => typeof e.sum !== 'number').map(([, e]) => e.sum as Tensor);
    let read: Float64Array | null = null;
    if (tensors.length > 0) {
      try {
        read = torch.tidy(() => torch.cat(tensors).data() as Float64Array);
      } finally {
        for (const t of tensors) t.dispose();
      }
    }
    const out: Record<string, number> = {};
    let k = 0;
    for (const [name, e] of entries) out[name] = (typeof e.sum === 'number' ? e.sum : (read as Float64Array)[k++]) / e.weight;
    return out;
  }

  /** Drops everything pending (after a failure). */
  clear(): void {
    for (const s of this.#steps) if (typeof s.value !== 'number') s.value.dispose();
    for (const sums of this.#epoch.values()) for (const e of sums.values()) if (typeof e.sum !== 'number') e.sum.dispose();
    this.#steps = [];
    this.#epoch.clear();
  }
}
