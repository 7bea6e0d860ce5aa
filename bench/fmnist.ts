/**
 * `npm run bench:fmnist`: the default config against the same recipe in
 * plain PyTorch, one after the other on this machine.
 *
 * - ours: `node bin/classifier-training.js train` with the shipped
 *   conf/train.yaml as is (ResNet18 ImageNet stem with 1 input channel,
 *   Fashion-MNIST from Debian's package, AdamW with warmup + cosine per
 *   batch, label smoothing 0.1, RandomCrop(28, padding 2) + flip, batch 128,
 *   bf16-mixed with channels-last, seed 42, and its default callbacks:
 *   checkpoints, plots, report, CSV and TensorBoard logs), overridden only by
 *   trainer.maxEpochs, trainer.numThreads and trainer.limitTrainBatches,
 *   with `--no-test` and the plugin bench/fmnist-epoch-test.ts, whose
 *   callback tests on the full test split after every epoch.
 * - PyTorch: bench/fmnist_torch.py under /usr/bin/python3, the same recipe
 *   with torchvision's model and transforms and a 2-worker DataLoader (its
 *   doc lists every choice).
 *
 * Both sides print, per epoch, test top-1 (all 10000 test images) and val
 * top-1 (the 6000 held out of train; the splits are drawn differently on
 * each side). Elapsed time runs from the process's spawn (start-up and data
 * loading included) to the end of the epoch (its validation and epoch-end
 * work included), less the per-epoch test passes, which only the bench
 * runs. Last, the ratio of our elapsed time at the first epoch whose test
 * top-1 reaches PyTorch's final test top-1 to PyTorch's total time
 * (target <= 0.9x); epoch granularity, no interpolation.
 *
 * Options: --epochs E (default: the config's 4), --limit-train-batches B
 * (train batches per epoch, for a smoke run), --threads T (default: the
 * cores, which is what the Trainer takes when trainer.numThreads is null).
 *
 * @example
 * npm run bench:fmnist -- --epochs 1 --limit-train-batches 5
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    'limit-train-batches': { type: 'string' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const positiveInt = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench:fmnist: expected a positive integer for --${name}, but got '${v}'`);
  return n;
};
const epochs = positiveInt('epochs', values.epochs);
const threads = positiveInt('threads', values.threads);
const limit = values['limit-train-batches'] === undefined ? null : positiveInt('limit-train-batches', values['limit-train-batches']);

/** One epoch as both sides report it (Date.now() stamps in ms). */
interface EpochLine {
  epoch: number;
  testTop1: number;
  valTop1: number | null;
  trainLoss: number | null;
  testStartMs: number;
  testEndMs: number;
  epochEndMs: number;
}
/** One epoch for the table: elapsed ms since spawn, less the test passes before its end. */
interface EpochRow extends EpochLine {
  elapsedMs: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'bin', 'classifier-training.js');
const plugin = fileURLToPath(new URL('./fmnist-epoch-test.ts', import.meta.url));
const torchScript = fileURLToPath(new URL('./fmnist_torch.py', import.meta.url));

/** Runs a command (stderr shown live), calls `onLine` for each stdout line; rejects on a non-zero exit. */
function run(command: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`bench:fmnist: expected ${command} to exit 0, but got ${code ?? signal}`)),
    );
  });
}

/** Elapsed time per epoch: from `spawnMs`, less every test pass that ended before the epoch's end stamp. */
function rows(lines: EpochLine[], spawnMs: number): EpochRow[] {
  return lines.map((l) => {
    const testMs = lines.filter((o) => o.testEndMs <= l.epochEndMs).reduce((s, o) => s + o.testEndMs - o.testStartMs, 0);
    return { ...l, elapsedMs: l.epochEndMs - spawnMs - testMs };
  });
}

async function ours(): Promise<EpochRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-fmnist-'));
  const out = path.join(dir, 'epochs.jsonl');
  const overrides = [
    `run.dir=${path.join(dir, 'run')}`,
    `trainer.maxEpochs=${epochs}`,
    `trainer.numThreads=${threads}`,
    ...(limit === null ? [] : [`trainer.limitTrainBatches=${limit}`]),
    `+callbacks.bench_epoch_test.out=${out}`,
  ];
  const args = [cli, 'train', '--no-test', '--plugin', plugin, ...overrides];
  console.log(`\nours: node ${path.relative(root, cli)} train --no-test --plugin ${path.relative(root, plugin)} ${overrides.join(' ')}`);
  const spawnMs = Date.now();
  try {
    await run(process.execPath, args, () => undefined);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    return rows(
      lines.map((l) => JSON.parse(l) as EpochLine),
      spawnMs,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true }); // checkpoints: ~130 MB each
  }
}

async function pytorch(): Promise<EpochRow[]> {
  const args = [torchScript, '--threads', String(threads), '--epochs', String(epochs)];
  if (limit !== null) args.push('--limit-train-batches', String(limit));
  console.log(`\nPyTorch: /usr/bin/python3 ${path.relative(root, torchScript)} ${args.slice(1).join(' ')}`);
  const lines: EpochLine[] = [];
  const spawnMs = Date.now();
  await run('/usr/bin/python3', args, (line) => {
    const m = /^epoch=(\{.*\})$/.exec(line);
    if (m !== null) lines.push(JSON.parse(m[1]) as EpochLine);
  });
  return rows(lines, spawnMs);
}

const clock = (ms: number): string => {
  const s = ms / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
};
const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);

function report(a: EpochRow[], b: EpochRow[]): void {
  console.log(
    `\n${'epoch'.padStart(5)} | ${'ours: elapsed'.padStart(13)} ${'test top-1'.padStart(10)} ${'val top-1'.padStart(10)} |` +
      ` ${'PyTorch: elapsed'.padStart(16)} ${'test top-1'.padStart(10)} ${'val top-1'.padStart(10)}`,
  );
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const side = (r: EpochRow | undefined, w: number) =>
      r === undefined
        ? `${'-'.padStart(w)} ${'-'.padStart(10)} ${'-'.padStart(10)}`
        : `${clock(r.elapsedMs).padStart(w)} ${pct(r.testTop1).padStart(10)} ${pct(r.valTop1).padStart(10)}`;
    console.log(`${String(i + 1).padStart(5)} | ${side(a[i], 13)} | ${side(b[i], 16)}`);
  }
  const lastA = a.at(-1);
  const lastB = b.at(-1);
  if (lastA === undefined || lastB === undefined) throw new Error('bench:fmnist: expected epoch lines from both sides, but got none');
  console.log(
    `\nfinal test top-1: ours ${pct(lastA.testTop1)} in ${clock(lastA.elapsedMs)}, PyTorch ${pct(lastB.testTop1)} in ${clock(lastB.elapsedMs)}` +
      ` (total time ours / PyTorch ${(lastA.elapsedMs / lastB.elapsedMs).toFixed(2)}x)`,
  );
  const reached = a.find((r) => r.testTop1 >= lastB.testTop1);
  if (reached === undefined) {
    console.log(`ours did not reach PyTorch's final test top-1 (${pct(lastB.testTop1)}) in ${a.length} epoch(s): target <= 0.9x not met`);
    return;
  }
  const ratio = reached.elapsedMs / lastB.elapsedMs;
  console.log(
    `time to PyTorch's final test top-1 (${pct(lastB.testTop1)}): ours ${clock(reached.elapsedMs)} (epoch ${reached.epoch + 1}),` +
      ` PyTorch ${clock(lastB.elapsedMs)}: ${ratio.toFixed(2)}x (target <= 0.9x: ${ratio <= 0.9 ? 'met' : 'not met'})`,
  );
}

console.log(
  `bench:fmnist  ResNet18 (ImageNet stem, 1 channel) on Fashion-MNIST, batch 128, bf16-mixed + channels-last, ${epochs} epoch(s), ${threads} thread(s)` +
    (limit === null ? '' : `, ${limit} train batches per epoch`),
);
const oursRows = await ours();
const torchRows = await pytorch();
report(oursRows, torchRows);
