/**
 * `ModelSummary`: Lightning's model summary, printed at fit start: a table of
 * the backbone's layers (its children and one level below by default) with
 * type, parameter count, output shape and multiply-adds, then the total,
 * trainable and frozen parameter counts, the fp32 size, the MACs per image
 * and a measured latency. The same text goes to `<run>/model_summary.txt`
 * (replaced atomically), where the dashboard's run page finds it.
 *
 * Output shapes come from one eval forward of a zero image batch of 1 with
 * every module's `forward` wrapped for the call (the way PyTorch forward
 * hooks see it); a container the parent skips (a ResNet applies its blocks
 * directly) takes the output of the last thing it holds that ran. MACs are
 * computed from those shapes: Conv2d `out * (in / groups) * kH * kW`, Linear
 * `out * in`, BatchNorm2d `out` (eval-mode BN is one multiply-add per
 * element), MultiheadAttention its packed projection plus q·kᵀ and
 * weights·v; ReLU and pooling do no multiplications and count 0. torchvision's
 * resnet18 at 224x224 gives 1.82 GMACs (checked against forward hooks in
 * PyTorch: scripts/fixtures/model_summary.py).
 *
 * @example
 * new Trainer({ callbacks: [new ModelSummary({ maxDepth: 2 })] });
 * summarize(resnet18(), [3, 224, 224]).macs; // 1_816_557_056
 */
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import type { TrainableModule } from '../trainable-module.js';
import { register } from '../../registry.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { BatchNorm2d, Conv2d, Linear, MultiheadAttention } from '../../torch/nn/index.js';
import type { Module } from '../../torch/nn/index.js';
import { Callback } from '../callback.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `ModelSummary`. */
export const modelSummarySchema = z
  .object({
    /** Rows down to this depth below the backbone (1: its children; -1: every module; 0: no summary). */
    maxDepth: z.number().int().min(-1).default(2),
    /** [C, H, W] when the data module cannot tell the input size (null: shapes and MACs unknown). */
    inputSize: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).nullable().default(null),
    /** Eval forwards at batch 1 to time (the median is reported; 0: no latency). */
    latencyRuns: z.number().int().min(0).default(5),
  })
  .strict();

/** What the `ModelSummary` constructor accepts. */
export type ModelSummaryOptions = z.input<typeof modelSummarySchema>;

/** One row of the layer table. */
export interface SummaryRow {
  /** Dotted name below the backbone (`layer1.0`). */
  name: string;
  type: string;
  /** 1 for the backbone's children. */
  depth: number;
  params: number;
  trainableParams: number;
  /** The output shape with batch 1 (null without an input size). */
  outputShape: number[] | null;
  /** Multiply-adds per image inside this module (Conv2d, Linear, BatchNorm2d). */
  macs: number;
}

/** The summary as data. */
export interface ModelSummaryData {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  frozenParams: number;
  /** Parameters at 4 bytes each, in MB (1e6 bytes), as Lightning reports it. */
  sizeMb: number;
  /** Multiply-adds per image (null without an input size). */
  macs: number | null;
  /** [C, H, W], or null when unknown. */
  inputShape: number[] | null;
}

/** The module a summary describes: the one a trainable module names (a classifier's backbone), else the module itself. */
function rootOf(module: Module): Module {
  return (module as { summaryModule?: Module }).summaryModule ?? module;
}

function countParams(module: Module): { params: number; trainable: number } {
  let params = 0;
  let trainable = 0;
  for (const p of module.parameters()) {
    const n = p.numel();
    params += n;
    if (p.requiresGrad) trainable += n;
  }
  return { params, trainable };
}

/** Multiply-adds of one call of a layer that produced `out` (per image). */
function layerMacs(module: Module, out: readonly number[]): number {
  const perImage = out.slice(1).reduce((a, b) => a * b, 1);
  if (module instanceof Conv2d) return perImage * (module.inChannels / module.groups) * module.kernelSize[0] * module.kernelSize[1];
  if (module instanceof Linear) return perImage * module.inFeatures;
  if (module instanceof BatchNorm2d) return perImage;
  if (module instanceof MultiheadAttention) {
    // The packed q/k/v projection, q·kᵀ and weights·v (out_proj is a Linear child, counted on its own).
    const [tokens, dim] = [out[1], out[2]];
    return tokens * dim * 3 * dim + 2 * tokens * tokens * dim;
  }
  return hasOwnMacs(module) ? module.forwardMacs(out) : 0;
}

/** A layer whose forward multiplies tensors itself (window attention's projections and matmuls) declares its multiply-adds. */
interface CountsOwnMacs {
  /** Multiply-adds per image of one call that produced `out`, beyond those of child modules called through `forward`. */
  forwardMacs(out: readonly number[]): number;
}

const hasOwnMacs = (module: Module): module is Module & CountsOwnMacs =>
  typeof (module as Partial<CountsOwnMacs>).forwardMacs === 'function';

interface Trace {
  /** Output shapes in call order. */
  calls: { name: string; shape: number[] }[];
  macs: Map<string, number>;
}

/** One eval forward of zeros [1, ...inputShape] with every module's forward wrapped to record its output. */
function trace(root: Module, inputShape: readonly number[]): Trace {
  const calls: Trace['calls'] = [];
  const macs = new Map<string, number>();
  const modules = [...root.namedModules()];
  const modes = modules.map(([, m]) => m.training);
  const restore: (() => void)[] = [];
  for (const [name, m] of modules) {
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const original = m.forward.bind(m);
    m.forward = (x: Tensor): Tensor => {
      const out = original(x);
      calls.push({ name, shape: out.shape });
      macs.set(name, (macs.get(name) ?? 0) + layerMacs(m, out.shape));
      return out;
    };
    restore.push(() => {
      if (own !== undefined) Object.defineProperty(m, 'forward', own);
      else delete (m as { forward?: unknown }).forward;
    });
  }
  const reference = root.parameters().find((p) => torch.isFloatingPoint(p.dtype));
  try {
    root.eval();
    torch.tidy(() =>
      torch.noGrad(() => {
        root.forward(torch.zeros([1, ...inputShape], { dtype: reference?.dtype ?? 'float32', device: reference?.device ?? 'cpu' }));
      }),
    );
  } finally {
    for (const undo of restore) undo();
    modules.forEach(([, m], i) => (m.training = modes[i]));
  }
  return { calls, macs };
}

const within = (name: string, prefix: string): boolean => name === prefix || name.startsWith(`${prefix}.`);

/**
 * The layer table and totals of a model (a ClassificationModule's backbone)
 * for images of `inputShape` [C, H, W]; null gives parameters only.
 *
 * @example
 * const s = summarize(resnet18(), [3, 224, 224]);
 * s.rows.find((r) => r.name === 'layer1')?.outputShape; // [1, 64, 56, 56]
 */
export function summarize(module: Module, inputShape: readonly number[] | null, options: { maxDepth?: number } = {}): ModelSummaryData {
  const maxDepth = options.maxDepth ?? 2;
  const root = rootOf(module);
  const traced = inputShape === null ? null : trace(root, inputShape);
  const rows: SummaryRow[] = [];
  for (const [name, m] of root.namedModules()) {
    const depth = name === '' ? 0 : name.split('.').length;
    if (depth === 0 || (maxDepth >= 0 && depth > maxDepth)) continue;
    const { params, trainable } = countParams(m);
    let outputShape: number[] | null = null;
    let macs = 0;
    if (traced !== null) {
      const own = traced.calls.findLast((c) => c.name === name) ?? traced.calls.findLast((c) => within(c.name, name));
      outputShape = own?.shape ?? null;
      for (const [layer, n] of traced.macs) if (within(layer, name)) macs += n;
    }
    rows.push({ name, type: m.constructor.name, depth, params, trainableParams: trainable, outputShape, macs });
  }
  const { params, trainable } = countParams(root);
  const macs = traced === null ? null : [...traced.macs.values()].reduce((a, b) => a + b, 0);
  return {
    rows,
    totalParams: params,
    trainableParams: trainable,
    frozenParams: params - trainable,
    sizeMb: (params * 4) / 1e6,
    macs,
    inputShape: inputShape === null ? null : [...inputShape],
  };
}

/**
 * The median time of `runs` eval forwards of zeros at batch 1, in ms (after one warm-up forward).
 *
 * @example
 * measureLatencyMs(model, [3, 224, 224], 5); // 21.4
 */
export function measureLatencyMs(module: Module, inputShape: readonly number[], runs: number): number {
  const root = rootOf(module);
  const modes = [...root.modules()].map((m) => m.training);
  const reference = root.parameters().find((p) => torch.isFloatingPoint(p.dtype));
  const times: number[] = [];
  try {
    root.eval();
    torch.tidy(() =>
      torch.noGrad(() => {
        const x = torch.zeros([1, ...inputShape], { dtype: reference?.dtype ?? 'float32', device: reference?.device ?? 'cpu' });
        for (let i = 0; i <= runs; i++) {
          const start = performance.now();
          torch.tidy(() => root.forward(x).sum().item()); // item() waits for an accelerator to finish
          if (i > 0) times.push(performance.now() - start);
        }
      }),
    );
  } finally {
    [...root.modules()].forEach((m, i) => (m.training = modes[i]));
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 === 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

/** Lightning's human-readable counts: 9.4 K, 11.7 M, 1.8 B. */
function readable(n: number): string {
  const units = ['', 'K', 'M', 'B', 'T'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? String(n) : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * The summary as Lightning prints it: the table, then the totals.
 *
 * @example
 * console.log(formatSummary(summarize(model, [3, 32, 32]), 1.3));
 */
export function formatSummary(data: ModelSummaryData, latencyMs: number | null = null): string {
  const header = ['', 'Name', 'Type', 'Params', 'Output shape', 'MACs'];
  const body = data.rows.map((r, i) => [
    String(i),
    r.name,
    r.type,
    readable(r.params),
    r.outputShape === null ? '?' : `[${r.outputShape.join(', ')}]`,
    data.macs === null ? '?' : readable(r.macs),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join(' | ')
      .trimEnd();
  const table = [line(header), '-'.repeat(line(header).length), ...body.map(line)];
  const shape = data.inputShape === null ? '' : ` at [${data.inputShape.join(', ')}]`;
  const totals: [string, string][] = [
    [readable(data.trainableParams), 'Trainable params'],
    [readable(data.frozenParams), 'Non-trainable params'],
    [readable(data.totalParams), 'Total params'],
    [data.sizeMb.toFixed(3), 'Total estimated model params size (MB)'],
    [
      data.macs === null ? '?' : `${(data.macs / 1e9).toFixed(2)} G`,
      `MACs per image${shape}${data.macs === null ? ' (no input size)' : ''}`,
    ],
  ];
  if (latencyMs !== null) totals.push([`${latencyMs.toFixed(2)} ms`, 'Latency (median eval forward, batch 1)']);
  return [...table, '-'.repeat(line(header).length), ...totals.map(([v, what]) => `${v.padEnd(12)}${what}`)].join('\n');
}

/** The summary's file in the run directory. */
export const MODEL_SUMMARY_FILE = 'model_summary.txt';

/**
 * Prints the model summary at fit start and writes it to `<run>/model_summary.txt`.
 *
 * @example
 * const cb = new ModelSummary({ maxDepth: 1, inputSize: [3, 32, 32] });
 * cb.onFitStart(trainer, module); cb.summary?.macs;
 */
export class ModelSummary extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly maxDepth: number;
  readonly inputSize: [number, number, number] | null;
  readonly latencyRuns: number;
  /** The last summary made (null before fit start). */
  summary: ModelSummaryData | null = null;
  latencyMs: number | null = null;

  constructor(options: ModelSummaryOptions = {}) {
    super();
    const parsed = parseOptions('ModelSummary', modelSummarySchema, options);
    this.maxDepth = parsed.maxDepth;
    this.inputSize = parsed.inputSize;
    this.latencyRuns = parsed.latencyRuns;
  }

  /** The data module's input size when it knows it, else the `inputSize` option. */
  #inputShape(trainer: TrainerView): number[] | null {
    try {
      const size = trainer.dataModule?.labelsMappingOptions().inputSize;
      if (size !== undefined) return [...size];
    } catch {
      // no setup yet, or no crop / resize in the eval transforms: fall back to the option
    }
    return this.inputSize;
  }

  override async onFitStart(trainer: TrainerView, module: TrainableModule): Promise<void> {
    if (this.maxDepth === 0 || !trainer.isGlobalZero) return;
    const inputShape = this.#inputShape(trainer);
    this.summary = summarize(module, inputShape, { maxDepth: this.maxDepth });
    this.latencyMs = inputShape !== null && this.latencyRuns > 0 ? measureLatencyMs(module, inputShape, this.latencyRuns) : null;
    const text = formatSummary(this.summary, this.latencyMs);
    trainer.print(text);
    await writeFileReplacing(path.join(trainer.runDir, MODEL_SUMMARY_FILE), `${text}\n`);
  }
}

register({
  group: 'callback',
  name: 'model_summary',
  schema: modelSummarySchema,
  build: (options) => new ModelSummary(options),
  description: 'Prints the layer table, parameter counts, MACs per image and latency at fit start (and writes model_summary.txt)',
});
