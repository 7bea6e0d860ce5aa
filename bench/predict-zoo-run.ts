/**
 * One zoo model of bench:predict's zoo part, in its own process: built
 * through the registry by name (seeded, BatchNorm statistics randomised so
 * they are not the identity), exported to ONNX (with the export's parity
 * check), then run on one seeded batch with each runtime of the
 * `Predictor`: libtorch fp32, libtorch bf16 autocast + channels-last (its
 * `libtorchLogits`), and onnxruntime (the `Predictor` on the export; left out,
 * with the export's error, for a model that does not export yet). Each runtime's forward is timed, and its class probabilities
 * are set against libtorch fp32's: top-1 agreement and the largest
 * probability difference. Random weights make near-ties, so the agreement
 * here is a harsher test than a trained model's.
 *
 * Usage: predict-zoo-run.ts --model resnet18 --batch 8 --size 224 --iters 3 --threads 2 [--classes 1000]
 * Prints one line: result={"export":{...},"runtimes":{"fp32":{...},"bf16":{...},"onnxruntime":{...}}}
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadComponents } from '../src/cli/run-builder.js';
import { libtorchLogits } from '../src/export/libtorch-logits.js';
import { exportOnnx } from '../src/export/onnx/export-onnx.js';
import { Predictor } from '../src/export/predictor.js';
import { randomizeBatchNorm } from '../src/export/testing.test-helper.js';
import { registry } from '../src/registry.js';
import * as torch from '../src/torch/index.js';
import type { Module } from '../src/torch/nn/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet18' },
    batch: { type: 'string', default: '8' },
    size: { type: 'string', default: '224' },
    iters: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    classes: { type: 'string', default: '1000' },
  },
});
const [batch, size, iters, threads, numClasses] = [values.batch, values.size, values.iters, values.threads, values.classes].map(Number);
torch.setNumThreads(threads);

/** Row-wise softmax of logits [N, numClasses]. */
function softmax(logits: Float32Array): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / numClasses; r++) {
    const row = logits.subarray(r * numClasses, (r + 1) * numClasses);
    const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
    let sum = 0;
    row.forEach((v, i) => (sum += out[r * numClasses + i] = Math.exp(v - max)));
    for (let i = 0; i < numClasses; i++) out[r * numClasses + i] /= sum;
  }
  return out;
}

const argmaxRows = (p: Float64Array): number[] =>
  Array.from({ length: p.length / numClasses }, (_, r) => {
    const row = p.subarray(r * numClasses, (r + 1) * numClasses);
    return row.indexOf(Math.max(...row));
  });

await loadComponents();
torch.manualSeed(0);
const model = registry.build<Module>('model', values.model, { numClasses });
randomizeBatchNorm(model);
model.eval();
/** The model's export to ONNX (with its parity check), or why there is none (a family without emitters yet). */
async function exported(onnx: string): Promise<{ ms: number; maxRelDiff: number | null } | { error: string }> {
  const start = performance.now();
  try {
    const { parity } = await exportOnnx(model, {
      path: onnx,
      metadata: {
        classNames: Array.from({ length: numClasses }, (_, i) => `class-${i}`),
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        inputSize: [3, size, size],
        resize: null,
        crop: size,
        modelName: values.model,
        modelOptions: { numClasses },
        frameworkVersion: 'bench',
      },
      parity: { batchSizes: [1] }, // one batch size keeps the quick default quick; the tests check batching
    });
    return { ms: performance.now() - start, maxRelDiff: parity?.maxRelDiff ?? null };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  }
}

type Logits = (pixels: Float32Array, shape: readonly number[]) => Promise<Float32Array>;

const dir = mkdtempSync(join(tmpdir(), 'bench-predict-zoo-'));
try {
  const onnx = join(dir, 'model.onnx');
  const exportResult = await exported(onnx);
  const pixels = torch.tidy(() => torch.randn([batch, 3, size, size]).data() as Float32Array);
  const shape = [batch, 3, size, size];
  // The libtorch runtimes run the Predictor's own forward, so a model without an export still gets them.
  const libtorch = (precision: '32' | 'bf16-mixed'): Promise<{ run: Logits; close: () => Promise<void> }> => {
    const run = libtorchLogits(model, { precision });
    return Promise.resolve({ run: (p, s) => Promise.resolve(run(p, s).data), close: () => Promise.resolve() });
  };
  const onnxruntime = async (): Promise<{ run: Logits; close: () => Promise<void> }> => {
    const predictor = await Predictor.open(onnx, { backend: 'onnxruntime', threads, batchSize: batch });
    return { run: (p, s) => predictor.logits(p, s), close: () => predictor.close() };
  };
  const runtimes: Record<string, () => Promise<{ run: Logits; close: () => Promise<void> }>> = {
    fp32: () => libtorch('32'),
    ...('error' in exportResult ? {} : { onnxruntime }),
    bf16: () => libtorch('bf16-mixed'), // last: it moves the module to channels-last
  };
  const out: Record<string, { msPerBatch: number; top1Agreement: number; maxProbDiff: number }> = {};
  let reference: Float64Array | null = null;
  for (const [name, open] of Object.entries(runtimes)) {
    const { run, close } = await open();
    const probs = softmax(await run(pixels, shape)); // also the warm-up
    const start = performance.now();
    for (let i = 0; i < iters; i++) await run(pixels, shape);
    const msPerBatch = (performance.now() - start) / iters;
    await close();
    reference ??= probs;
    const [a, b] = [argmaxRows(probs), argmaxRows(reference)];
    const maxProbDiff = probs.reduce((m, p, i) => Math.max(m, Math.abs(p - reference![i])), 0);
    out[name] = { msPerBatch, top1Agreement: a.filter((v, i) => v === b[i]).length / a.length, maxProbDiff };
  }
  console.log(`result=${JSON.stringify({ export: exportResult, runtimes: out })}`);
} finally {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
}
