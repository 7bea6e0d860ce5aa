/**
 * Our side of bench:predict: the `Predictor` (libtorch or onnxruntime backend) on an exported
 * model, fp32, the same threads and batch as PyTorch's side. The forward series times
 * `predictor.logits` on a fixed preprocessed batch; the end-to-end series `predictor.predict`
 * on the folder (decode, preprocess from the model's metadata, forward, softmax, top-5).
 *
 * Usage: predict-ours.ts --model M.onnx --backend libtorch|onnxruntime --images DIR --threads N --batch B --iters I
 * Prints one line: forward_ms=<ms per batch> e2e_images_per_s=<float> top1=<comma-separated indices>
 */
import { parseArgs } from 'node:util';
import { walkImages } from '../src/data/datasets/walk-images.js';
import { Predictor } from '../src/export/predictor.js';
import * as torch from '../src/torch/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    backend: { type: 'string' },
    images: { type: 'string' },
    threads: { type: 'string' },
    batch: { type: 'string', default: '32' },
    iters: { type: 'string', default: '5' },
  },
});
const threads = Number(values.threads);
const batchSize = Number(values.batch);
const iters = Number(values.iters);
torch.setNumThreads(threads);
const predictor = await Predictor.open(values.model!, {
  backend: values.backend as 'libtorch' | 'onnxruntime',
  precision: '32', // the fp32 comparison with PyTorch; the zoo part measures bf16
  threads,
  batchSize,
});
const [c, h, w] = predictor.metadata.inputSize;
const pixels = new Float32Array(batchSize * c * h * w).map((_, i) => Math.sin(i));
const shape = [batchSize, c, h, w];
for (let i = 0; i < 2; i++) await predictor.logits(pixels, shape);
let start = performance.now();
for (let i = 0; i < iters; i++) await predictor.logits(pixels, shape);
const forwardMs = (performance.now() - start) / iters;

const paths = await walkImages(values.images!);
await predictor.predict(paths.slice(0, batchSize)); // warm-up
start = performance.now();
const { predictions, failures } = await predictor.predict(paths);
const e2e = paths.length / ((performance.now() - start) / 1000);
if (failures.length > 0) throw new Error(`bench:predict: ${failures.length} images failed, the first: ${failures[0].message}`);
await predictor.close();
console.log(
  `forward_ms=${forwardMs.toFixed(3)} e2e_images_per_s=${e2e.toFixed(3)} top1=${predictions.map((p) => p.topK[0].index).join(',')}`,
);
