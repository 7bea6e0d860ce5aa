/**
 * bench:predict — inference throughput of ResNet18, fp32, batch 32, the same threads on each
 * side: our `Predictor` with the libtorch backend against PyTorch's eval mode
 * (torchvision's resnet18 with the same weights, `torch.inference_mode`), onnxruntime-node's
 * figure beside them. Two inputs: 3x224x224 (ImageNet stem; JPEGs resized to 256, centre
 * crop 224) and 1x28x28 (Fashion-MNIST-sized, small stem, as bench:ddp). Two series: the
 * model's forward alone on a preprocessed batch, and end to end (decode + preprocess +
 * forward + softmax top-5) over a folder of generated JPEGs — ours through
 * `Predictor.predict`, PyTorch's as a user's PIL + torchvision loop. Each round starts every
 * side as a fresh process, in rotating order; medians are printed with the median of the
 * rounds' ratios (libtorch / PyTorch; target >= 0.97x). The top-1 classes of the two sides are compared too.
 *
 * `--part zoo` (the default, quick: batch 1, one timed batch, so CI can run it) runs every
 * registered zoo model through the `Predictor` with each runtime — libtorch fp32, libtorch
 * bf16 + channels-last, onnxruntime — with top-1 agreement against fp32 (bench/predict-zoo.ts);
 * `--part resnet18` is the comparison with PyTorch above; `--part all` both.
 *
 *   npm run bench:predict                   # the zoo, quick
 *   npm run bench:predict -- --part zoo --models all --batch 8 --iters 3 --rounds 3
 *   npm run bench:predict -- --part resnet18 --rounds 3 --threads 2 --batch 32 --images 64
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { exportOnnx } from '../src/export/onnx/export-onnx.js';
import { randomizeBatchNorm } from '../src/export/testing.test-helper.js';
import { exportTorchvisionWeights } from '../src/export/torchvision-weights.js';
import { resnet18 } from '../src/models/resnet.js';
import * as torch from '../src/torch/index.js';
import { zooHeadline, zooPart } from './predict-zoo.js';

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'zoo' },
    models: { type: 'string' },
    size: { type: 'string', default: '224' },
    rounds: { type: 'string' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string' },
    images: { type: 'string', default: '64' },
    iters: { type: 'string' },
  },
});
const part = values.part;
if (!['zoo', 'resnet18', 'all'].includes(part)) throw new Error(`bench:predict: expected --part zoo, resnet18 or all, but got '${part}'`);
const rounds = Number(values.rounds ?? (part === 'zoo' ? '1' : '3'));
const threads = Number(values.threads);
const batch = Number(values.batch ?? '32');
const imageCount = Number(values.images);
const iters = Number(values.iters ?? '5');

interface Case {
  name: string;
  channels: 1 | 3;
  size: number;
  resize: number | null;
  stem: 'imagenet' | 'small';
  jpeg: [number, number];
  mean: number[];
  std: number[];
  iters: number;
}
const cases: Case[] = [
  {
    name: '3x224x224',
    channels: 3,
    size: 224,
    resize: 256,
    stem: 'imagenet',
    jpeg: [320, 256],
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    iters,
  },
  { name: '1x28x28', channels: 1, size: 28, resize: null, stem: 'small', jpeg: [28, 28], mean: [0.286], std: [0.353], iters: 4 * iters },
];

/** Smooth shapes with noise, so the JPEGs cost what photos of their size cost to decode. */
async function writeJpegs(dir: string, c: Case): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const [w, h] = c.jpeg;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 255;
  for (let i = 0; i < imageCount; i++) {
    const pixels = Buffer.alloc(w * h * c.channels);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c.channels; k++) {
          const wave = 128 + 100 * Math.sin((x * (k + 1) + i * 13) / 17) * Math.cos((y + i * 7) / 11);
          pixels[(y * w + x) * c.channels + k] = Math.max(0, Math.min(255, Math.round(0.8 * wave + 0.2 * rand())));
        }
      }
    }
    const name = `img-${String(i).padStart(4, '0')}.jpg`;
    await sharp(pixels, { raw: { width: w, height: h, channels: c.channels } })
      .jpeg({ quality: 90 })
      .toFile(join(dir, name));
  }
}

/** Writes the model as ONNX (with its preprocessing) and as torchvision safetensors. */
async function writeModel(dir: string, c: Case): Promise<{ onnx: string; weights: string; adaptation: string }> {
  torch.manualSeed(0);
  const model = resnet18({ numClasses: 10, inChannels: c.channels, stem: c.stem });
  randomizeBatchNorm(model);
  model.eval();
  const onnx = join(dir, 'model.onnx');
  await exportOnnx(model, {
    path: onnx,
    metadata: {
      classNames: Array.from({ length: 10 }, (_, i) => `class-${i}`),
      mean: c.mean,
      std: c.std,
      inputSize: [c.channels, c.size, c.size],
      resize: c.resize,
      crop: c.size,
      modelName: 'resnet18',
      modelOptions: { numClasses: 10, inChannels: c.channels, stem: c.stem },
      frameworkVersion: 'bench',
    },
  });
  const weights = join(dir, 'resnet18.safetensors');
  const { adaptation } = exportTorchvisionWeights(model, weights);
  model.dispose();
  return { onnx, weights, adaptation: adaptation.join('\n') };
}

interface Sample {
  forwardMs: number;
  e2e: number;
  top1: string;
}

function parse(side: string, out: ReturnType<typeof spawnSync>): Sample {
  const match = /forward_ms=([\d.]+) e2e_images_per_s=([\d.]+) top1=([\d,]*)/.exec(String(out.stdout));
  if (out.status !== 0 || match === null)
    throw new Error(`bench:predict: the ${side} side failed: ${String(out.stderr) || String(out.stdout)}`);
  return { forwardMs: Number(match[1]), e2e: Number(match[2]), top1: match[3] };
}

const oursScript = fileURLToPath(new URL('./predict-ours.ts', import.meta.url));
const torchScript = fileURLToPath(new URL('./predict_torch.py', import.meta.url));
const common = ['--threads', String(threads), '--batch', String(batch)];

function runSide(side: string, c: Case, files: { onnx: string; weights: string; adaptation: string; images: string }): Sample {
  const its = ['--iters', String(c.iters)];
  if (side === 'pytorch') {
    const args = [torchScript, '--weights', files.weights, '--adaptation', files.adaptation, '--classes', '10'];
    args.push('--channels', String(c.channels), '--size', String(c.size), '--resize', String(c.resize ?? 0));
    args.push('--mean', ...c.mean.map(String), '--std', ...c.std.map(String), '--images', files.images, ...common, ...its);
    return parse(side, spawnSync('/usr/bin/python3', args, { encoding: 'utf8' }));
  }
  const args = ['--import', 'tsx', oursScript, '--model', files.onnx, '--backend', side, '--images', files.images, ...common, ...its];
  return parse(side, spawnSync(process.execPath, args, { encoding: 'utf8' }));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sides = ['libtorch', 'pytorch', 'onnxruntime'];
async function resnet18Part(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bench-predict-'));
  try {
    console.log(
      `bench:predict  resnet18 fp32, batch ${batch}, ${threads} threads, ${rounds} rounds, fresh processes; end to end over ${imageCount} JPEGs`,
    );
    // OpenMP's threads spin at barriers: on a loaded machine 2-thread figures swing 5x, so say how loaded it was.
    const load = (): string =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
    console.log(`load average at start: ${load()}`);
    const rows: string[] = [];
    for (const c of cases) {
      const dir = join(root, c.name);
      const images = join(dir, 'images');
      await writeJpegs(images, c);
      const files = { ...(await writeModel(dir, c)), images };
      const samples: Record<string, Sample[]> = { libtorch: [], pytorch: [], onnxruntime: [] };
      for (let r = 0; r < rounds; r++) {
        const order = [...sides.slice(r % 3), ...sides.slice(0, r % 3)]; // rotate who goes first
        for (const side of order) samples[side].push(runSide(side, c, files));
        const line = sides.map((s) => {
          const x = samples[s][r];
          return `${s} ${((batch / x.forwardMs) * 1000).toFixed(1)} / ${x.e2e.toFixed(1)}`;
        });
        console.log(`${c.name} round ${r + 1} (forward / end to end, images/s): ${line.join('   ')}`);
      }
      const agree = (a: string, b: string): string => {
        const x = a.split(',');
        const y = b.split(',');
        return `${x.filter((v, i) => v === y[i]).length}/${x.length}`;
      };
      // Ratios are taken per round (the sides of one round ran back to back under the same load)
      // and their median reported: on a shared machine a round can run 10x slower than the next.
      const perRound = {
        forward: (s: string): number[] => samples[s].map((x) => (batch / x.forwardMs) * 1000),
        'end to end': (s: string): number[] => samples[s].map((x) => x.e2e),
      };
      for (const [series, of] of Object.entries(perRound)) {
        const ratio = (s: string): number => median(of(s).map((v, r) => v / of('pytorch')[r]));
        const fig = (s: string): string => `${median(of(s)).toFixed(1)}`;
        rows.push(
          `${c.name} ${series}: libtorch ${fig('libtorch')} images/s, PyTorch ${fig('pytorch')}, ratio ${ratio('libtorch').toFixed(3)}x (target >= 0.97); onnxruntime ${fig('onnxruntime')} (${ratio('onnxruntime').toFixed(3)}x)`,
        );
      }
      rows.push(
        `${c.name} top-1 agreement with PyTorch (end to end): libtorch ${agree(samples.libtorch[0].top1, samples.pytorch[0].top1)}, onnxruntime ${agree(samples.onnxruntime[0].top1, samples.pytorch[0].top1)}`,
      );
    }
    console.log(`\nmedians (load average at end: ${load()})\n${rows.join('\n')}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (part === 'resnet18' || part === 'all') await resnet18Part();
if (part === 'zoo' || part === 'all') {
  await zooPart({
    models: values.models?.split(',') ?? zooHeadline,
    batch: Number(values.batch ?? '1'),
    size: Number(values.size),
    iters: Number(values.iters ?? '1'),
    threads,
    rounds: Number(values.rounds ?? '1'),
  });
}
