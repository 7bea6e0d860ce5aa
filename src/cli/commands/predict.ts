/**
 * `classifier-training predict <inputs...> --model <model.onnx | ckpt>`: the
 * top k classes (softmax probabilities) of each image, through the export's
 * `Predictor` — onnxruntime (default: the fastest runtime that keeps fp32's
 * answers) or libtorch (`--backend`; bf16 + channels-last on a CPU with
 * native bf16 unless `--precision 32`), with the
 * preprocessing from the model's own metadata. Inputs are image files,
 * folders (walked recursively) and `-` (paths read from stdin, one a line).
 * A checkpoint is exported to a temporary .onnx first (its parity check
 * included). Predictions go to stdout as a table, JSON Lines or CSV
 * (`--format`); an unreadable image is reported on stderr by name and skipped
 * (exit 1 at the end), or stops the run with `--on-error fail`. `--bench`
 * prints images/s instead: end to end (decode + preprocess + forward) and the
 * forward alone. `--cam <dir>` also writes a Grad-CAM overlay per image
 * from a checkpoint (src/analysis/cam-predict.ts).
 *
 * @example
 * registerPredict(program); // classifier-training predict photos/ --model outputs/run/export/model.onnx --top-k 3 --format csv
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { Predictor } from '../../export/predictor.js';
import type { TtaPlan } from '../../export/tta.js';

const BACKENDS = ['onnxruntime', 'libtorch'] as const;
const FORMATS = ['table', 'json', 'csv'] as const;
const ON_ERROR = ['skip', 'fail'] as const;
const PRECISIONS = ['auto', '32', 'bf16-mixed'] as const;

interface PredictFlags {
  model: string;
  backend: string;
  precision: string;
  topK: number;
  batchSize: number;
  format: string;
  onError: string;
  threads?: number;
  bench?: boolean;
  cam?: string;
  camMethod: string;
  camLayer?: string;

  /** False with --no-calibration. */
  calibration: boolean;
  tta?: string;
}

function choice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new ConfigError(`predict: expected ${flag} among ${choices.join(', ')}, but got '${value}'`);
  return value as T;
}

function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`predict: expected a positive integer for ${flag}, but got '${value}'`);
    return n;
  };
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

/** Files as given, folders walked, `-` read from stdin; a path that is not there stays, to be reported. */
async function imagePaths(inputs: readonly string[]): Promise<string[]> {
  const { walkImages } = await import('../../data/datasets/walk-images.js');
  const paths: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      paths.push(...(await readStdinLines()));
      continue;
    }
    const isDir = await stat(input).then(
      (s) => s.isDirectory(),
      () => false,
    );
    paths.push(...(isDir ? await walkImages(input) : [input]));
  }
  return paths;
}

/** Seconds per call of `fn` over `repeats` calls after one warm-up call. */
async function timed(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - start) / 1000 / repeats;
}

async function bench(predictor: Predictor, paths: string[], label: string): Promise<void> {
  if (paths.length === 0) throw new ConfigError('predict: expected images to --bench on, but got none');
  const [c, h, w] = predictor.metadata.inputSize;
  const n = predictor.batchSize;
  const pixels = new Float32Array(n * c * h * w).map((_, i) => Math.sin(i));
  const forward = await timed(() => predictor.logits(pixels, [n, c, h, w]), Math.max(3, Math.ceil(64 / n)));
  await predictor.predict(paths.slice(0, n)); // warm-up: one batch, not the whole folder twice
  const start = performance.now();
  await predictor.predict(paths);
  const endToEnd = (performance.now() - start) / 1000;
  const rate = (images: number, s: number): string => `${(images / s).toFixed(1)} images/s`;
  console.log(
    `predict --bench (${label}): end to end (decode + preprocess + forward) ${rate(paths.length, endToEnd)} over ${paths.length} images`,
  );
  console.log(`predict --bench (${label}): forward alone ${rate(n, forward)} at [${n}, ${c}, ${h}, ${w}]`);
}

async function run(inputs: string[], flags: PredictFlags): Promise<void> {
  const backend = choice('--backend', flags.backend, BACKENDS);
  const format = choice('--format', flags.format, FORMATS);
  const onError = choice('--on-error', flags.onError, ON_ERROR);
  const precision = choice('--precision', flags.precision, PRECISIONS);
  const { parseTta } = await import('../../export/tta.js');
  const tta = flags.tta === undefined ? null : parseTta(flags.tta, 'predict');
  if (backend === 'onnxruntime' && precision === 'bf16-mixed')
    throw new ConfigError(
      `predict: expected --precision auto or 32 with --backend onnxruntime (it runs the fp32 graph), but got 'bf16-mixed'; add --backend libtorch`,
    );
  const camMethod = choice('--cam-method', flags.camMethod, ['gradcam', 'gradcam++'] as const);
  if (flags.cam !== undefined && flags.model.endsWith('.onnx'))
    throw new ConfigError(
      `predict: expected a checkpoint with --cam (Grad-CAM needs gradients, which an ONNX model does not have), but got ${flags.model}; pass the run's checkpoints/best.ckpt`,
    );
  const paths = await imagePaths(inputs);
  const torch = await import('../../torch/index.js');
  const { availableParallelism } = await import('node:os');
  const threads = flags.threads ?? availableParallelism();
  torch.setNumThreads(threads);
  const chosen = { ...flags, backend, precision, format, onError, threads, ttaPlan: tta };
  if (flags.model.endsWith('.onnx')) return predictWith(flags.model, paths, chosen);
  await withTemporaryFolder(async (tmp) => {
    const onnxPath = path.join(tmp, 'model.onnx');
    const { exportCheckpoint } = await import('../../training/export-checkpoint.js');
    await exportCheckpoint(flags.model, { out: onnxPath, warn: (m) => console.error(m) });
    await predictWith(onnxPath, paths, chosen);
  });
  if (flags.cam === undefined || flags.bench === true) return;
  const { predictCams } = await import('../../analysis/cam-predict.js');
  const cams = await predictCams(flags.model, paths, {
    dir: flags.cam,
    method: camMethod,
    layer: flags.camLayer,
    batchSize: flags.batchSize,
  });
  console.error(`predict: wrote ${cams.length} Grad-CAM overlay${cams.length === 1 ? '' : 's'} (${camMethod}) to ${flags.cam}`);
}

async function predictWith(
  onnxPath: string,
  paths: string[],
  flags: PredictFlags & {
    backend: (typeof BACKENDS)[number];
    precision: (typeof PRECISIONS)[number];
    format: (typeof FORMATS)[number];
    onError: 'skip' | 'fail';
    threads: number;
    ttaPlan: TtaPlan | null;
  },
): Promise<void> {
  const { backend, precision, format, onError, threads } = flags;
  const { Predictor } = await import('../../export/predictor.js');
  const { topK, batchSize, calibration, ttaPlan: tta } = flags;
  const predictor = await Predictor.open(onnxPath, { backend, precision, topK, batchSize, onError, threads, calibration, tta });
  // On stderr, so the table / JSON / CSV on stdout stays machine-readable.
  if (predictor.temperature !== null)
    console.error(
      `predict: calibrated probabilities (temperature ${predictor.temperature.toFixed(4)} from the model; --no-calibration for the raw softmax)`,
    );
  if (tta !== null) console.error(`predict: test-time augmentation '${tta.label}': probabilities averaged over ${tta.views} views`);
  try {
    if (flags.bench === true) {
      const at = predictor.precision === '32' ? 'fp32' : 'bf16 + channels-last';
      await bench(predictor, paths, `${backend} ${at}, batch ${flags.batchSize}, ${threads} thread${threads === 1 ? '' : 's'}`);
      return;
    }
    const { predictions, failures } = await predictor.predict(paths);
    const { formatPredictions } = await import('../../export/format-predictions.js');
    process.stdout.write(formatPredictions(predictions, format));
    for (const f of failures) console.error(`predict: skipped ${f.path}: ${f.message}`);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    await predictor.close();
  }
}

/**
 * Runs `fn` with a fresh temporary folder, removed afterwards: on success, on
 * an error, and on SIGINT / SIGTERM (the checkpoint's export can hold tens
 * of MB there), after which the process exits 130 / 143 as the CLI does.
 */
async function withTemporaryFolder(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ct-predict-'));
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await fn(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Adds `predict` to the program. @example registerPredict(program); */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('top-k class probabilities for images from an exported model or a checkpoint')
    .argument('<inputs...>', 'image files, folders of images, or - to read image paths from stdin (one a line)')
    .requiredOption('-m, --model <file>', 'an exported .onnx model, or a checkpoint (exported to a temporary .onnx first)')
    .option('--backend <backend>', `${BACKENDS.join(' or ')}`, 'onnxruntime')
    .option(
      '--precision <precision>',
      "libtorch's forward: auto (bf16 autocast + channels-last on a CPU with AVX-512 BF16 or AMX, else fp32), 32 or bf16-mixed",
      'auto',
    )
    .option('-k, --top-k <k>', 'classes per image', positiveInt('--top-k'), 5)
    .option('--batch-size <n>', 'images per forward pass', positiveInt('--batch-size'), 32)
    .option('--format <format>', 'table, json (JSON Lines: one object per image) or csv (one row per image and rank)', 'table')
    .option('--on-error <mode>', 'skip: report an unreadable image on stderr, go on, exit 1 at the end; fail: stop at the first', 'skip')
    .option('--threads <n>', 'CPU threads of the backend (default: every core)', positiveInt('--threads'))
    .option('--bench', 'print images/s (end to end, and the forward alone) instead of the predictions')
    .option('--cam <dir>', 'also write a Grad-CAM overlay per image (<dir>/<name>.png, and cams.jsonl); needs a checkpoint')
    .option('--cam-method <method>', 'gradcam or gradcam++', 'gradcam')
    .option('--cam-layer <path>', "Grad-CAM's target layer, a module path under the backbone (default: the model's last stage)")

    .option('--no-calibration', 'report the raw softmax even when the model carries a fitted temperature (temperature scaling)')
    .option('--tta <views>', 'test-time augmentation: flip, crops or flip,crops (probabilities averaged over the views)')
    .addHelpText(
      'after',
      [
        '\nExamples:',
        '  classifier-training predict photos/ --model outputs/2026-11-26/17-40-00/export/model.onnx --top-k 3',
        '  find photos -name "*.jpg" | classifier-training predict - -m model.onnx --format csv > predictions.csv',
        '  classifier-training predict a.jpg b.png -m outputs/r1/checkpoints/best.ckpt --backend libtorch --format json',
        '  classifier-training predict photos/ -m model.onnx --backend libtorch --bench --threads 2',
        '  classifier-training predict photos/ -m model.onnx --backend libtorch --precision 32 --bench',
        '  classifier-training predict photos/ -m outputs/r1/checkpoints/best.ckpt --cam cams/ --cam-method gradcam++',

        '  classifier-training predict photos/ -m model.onnx --tta flip --no-calibration',
      ].join('\n'),
    )
    .action(run);
}
