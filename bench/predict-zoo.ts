/**
 * bench:predict's zoo part: each registered zoo model through the `Predictor`
 * with each runtime — libtorch fp32, libtorch bf16 autocast + channels-last,
 * onnxruntime on the export — one fresh process per model
 * (bench/predict-zoo-run.ts), rounds rotating nothing but repeating the
 * process; medians per runtime. Beside each figure, top-1 agreement with
 * libtorch fp32 and the largest class-probability difference. Quick by
 * default (batch 1, one timed batch) so it can run anywhere; --batch and
 * --iters make it a measurement.
 *
 * @example
 * await zooPart({ models: ['resnet18'], batch: 8, size: 224, iters: 3, threads: 2, rounds: 1 });
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadComponents } from '../src/cli/run-builder.js';
import { registry } from '../src/registry.js';

/** The models the issue names for its performance figures; `--models all` takes every registered model. */
export const zooHeadline = [
  'resnet50',
  'convnext_tiny',
  'efficientnet_b0',
  'efficientnet_v2_s',
  'mobilenet_v3_large',
  'regnet_y_800mf',
  'vit_b_16',
  'swin_t',
];

/** What the zoo part measures with. */
export interface ZooOptions {
  /** Model names, or ['all'] for every registered model. */
  models: string[];
  batch: number;
  size: number;
  iters: number;
  threads: number;
  rounds: number;
}

interface RuntimeResult {
  msPerBatch: number;
  top1Agreement: number;
  maxProbDiff: number;
}
interface ZooResult {
  export: { ms: number; maxRelDiff: number | null } | { error: string };
  /** onnxruntime is absent when the export failed. */
  runtimes: Partial<Record<'fp32' | 'bf16' | 'onnxruntime', RuntimeResult>>;
}

const runScript = fileURLToPath(new URL('./predict-zoo-run.ts', import.meta.url));
/** Three significant figures: quick runs on a busy machine give fractions of an image per second. */
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runModel(model: string, o: ZooOptions): ZooResult | { error: string } {
  const args = [
    '--model',
    model,
    '--batch',
    String(o.batch),
    '--size',
    String(o.size),
    '--iters',
    String(o.iters),
    '--threads',
    String(o.threads),
  ];
  const out = spawnSync(process.execPath, ['--import', 'tsx', runScript, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const match = /result=(\{.*\})/.exec(out.stdout ?? '');
  // A model without an ONNX emitter, or out of memory, must not cost the others their figures.
  if (out.status !== 0 || match === null)
    return { error: (out.stderr || out.stdout || String(out.error)).trim().split('\n').slice(-2).join(' | ') };
  return JSON.parse(match[1]) as ZooResult;
}

/**
 * Runs the zoo part and prints its table.
 *
 * @example
 * await zooPart({ models: zooHeadline, batch: 1, size: 224, iters: 1, threads: 2, rounds: 1 });
 */
export async function zooPart(o: ZooOptions): Promise<void> {
  await loadComponents();
  const wanted = o.models.length === 1 && o.models[0] === 'all' ? registry.list('model') : o.models;
  const models = wanted.filter((m) => registry.has('model', m));
  const missing = wanted.filter((m) => !registry.has('model', m));
  console.log(
    `\nzoo: ${o.size}x${o.size}, batch ${o.batch}, ${o.threads} threads, ${o.iters} timed batch(es) after one, ${o.rounds} round(s), a fresh process per model`,
  );
  if (missing.length > 0) console.log(`not registered, skipped: ${missing.join(', ')}`);
  const rows: string[] = [];
  const head = ['model', 'libtorch fp32', 'libtorch bf16 + CL (top-1 agree, max dp)', 'onnxruntime (top-1 agree, max dp)', 'fastest'];
  const widths = [20, 14, 42, 36, 12];
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
  for (const model of models) {
    const results: ZooResult[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const result = runModel(model, o);
      if ('error' in result) {
        console.log(`  ${model}: failed (${result.error})`);
        break;
      }
      results.push(result);
    }
    if (results.length === 0) {
      rows.push(line([model, 'failed', '', '', '']));
      continue;
    }
    const of = (k: keyof ZooResult['runtimes']): RuntimeResult[] => results.flatMap((x) => x.runtimes[k] ?? []);
    const rate = (k: keyof ZooResult['runtimes']): number =>
      of(k).length === 0 ? 0 : (o.batch / median(of(k).map((x) => x.msPerBatch))) * 1000;
    const cell = (k: keyof ZooResult['runtimes']): string => {
      if (of(k).length === 0) return 'no export';
      const agree = Math.min(...of(k).map((x) => x.top1Agreement));
      const dp = Math.max(...of(k).map((x) => x.maxProbDiff));
      return `${fmt(rate(k))} (${(agree * 100).toFixed(0)}%, ${dp.toExponential(1)})`;
    };
    const keys = ['fp32', 'bf16', 'onnxruntime'] as const;
    const fastest = keys.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    rows.push(line([model, fmt(rate('fp32')), cell('bf16'), cell('onnxruntime'), fastest]));
    const exportResult = results[0].export;
    if ('error' in exportResult) console.log(`  ${model}: no onnxruntime figure, the export failed: ${exportResult.error}`);
  }
  console.log(
    `images/s of the forward alone (median of the rounds); agreement and max dp against libtorch fp32\n${line(head)}\n${rows.join('\n')}`,
  );
}
