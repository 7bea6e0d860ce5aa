/**
 * `npm run bench:fmnist`: the default run against the same model and
 * hyperparameters in plain PyTorch, one after the other in one sitting on
 * this machine.
 *
 * - ours: `node bin/classifier-training.js train` with the shipped
 *   conf/train.yaml as is (ResNet18 ImageNet stem with 1 input channel,
 *   Fashion-MNIST from Debian's package, AdamW with warmup + cosine per
 *   batch, label smoothing 0.1, RandomCrop(28, padding 2) + flip, batch 128,
 *   the precision and memory format `auto` picks, seed 42, and its default
 *   callbacks: checkpoints, plots, report, calibration, analysis, CSV and
 *   TensorBoard logs), overridden only by trainer.maxEpochs,
 *   trainer.numThreads and trainer.limitTrainBatches, with `--no-test` and
 *   the plugin bench/fmnist-epoch-test.ts, whose callback tests on the full
 *   test split after every epoch.
 * - PyTorch fp32: bench/fmnist_torch.py --precision fp32 under
 *   /usr/bin/python3: the recipe as a PyTorch user writes it (torchvision's
 *   model and transforms, contiguous fp32 tensors, a 2-worker DataLoader;
 *   its doc lists every choice). Target: ours <= 0.5x.
 * - PyTorch bf16: the same script with --precision bf16, the same recipe as
 *   ours (bf16 autocast, channels-last). Target: ours <= 0.9x.
 *
 * Every side prints, per epoch, test top-1 (all 10000 test images) and val
 * top-1 (the 6000 held out of train; the splits are drawn differently on
 * each side). Elapsed time runs from the process's spawn (start-up and data
 * loading included) to the end of the epoch (its validation and epoch-end
 * work included), less the per-epoch test passes, which only the bench
 * runs; "process" is the same from spawn to exit (our fit-end work
 * included). The ratio per peer: our elapsed time at the first epoch whose
 * test top-1 reaches the peer's final test top-1, to the peer's total time;
 * epoch granularity, no interpolation.
 *
 * Options: --epochs E (default: the config's 4), --limit-train-batches B
 * (train batches per epoch, for a smoke run), --threads T (default: the
 * cores, which is what the Trainer takes when trainer.numThreads is null),
 * --peers fp32,bf16 (default both), --no-ours (the peers only), --seed S
 * (trainer.seed for ours, --seed for the peers; default the config's 42;
 * the val split keeps its own seed on both sides).
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
    peers: { type: 'string', default: 'fp32,bf16' },
    ours: { type: 'boolean', default: true },
    seed: { type: 'string' },
  },
  allowNegative: true,
});
const positiveInt = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench:fmnist: expected a positive integer for --${name}, but got '${v}'`);
  return n;
};
const epochs = positiveInt('epochs', values.epochs);
const threads = positiveInt('threads', values.threads);
const limit = values['limit-train-batches'] === undefined ? null : positiveInt('limit-train-batches', values['limit-train-batches']);
const seed = values.seed === undefined ? null : positiveInt('seed', values.seed);

/** A PyTorch peer: its script's --precision and the ratio it must show. */
interface Peer {
  name: string;
  precision: 'fp32' | 'bf16';
  target: number;
}
const knownPeers: Peer[] = [
  { name: 'PyTorch fp32', precision: 'fp32', target: 0.5 },
  { name: 'PyTorch bf16', precision: 'bf16', target: 0.9 },
];
const peers = values.peers
  .split(',')
  .filter((p) => p !== '')
  .map((p) => {
    const peer = knownPeers.find((k) => k.precision === p);
    if (peer === undefined) throw new Error(`bench:fmnist: expected --peers from fp32, bf16 (comma-separated), but got '${p}'`);
    return peer;
  });

/** One epoch as every side reports it (Date.now() stamps in ms). */
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
/** A side's epochs and its whole process: spawn to exit, less every test pass. */
interface SideResult {
  name: string;
  rows: EpochRow[];
  processMs: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'bin', 'classifier-training.js');
const plugin = fileURLToPath(new URL('./fmnist-epoch-test.ts', import.meta.url));
const torchScript = fileURLToPath(new URL('./fmnist_torch.py', import.meta.url));

/** Runs a command (stderr shown live), calls `onLine` for each stdout line; resolves with the exit time. */
function run(command: string, args: string[], onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve(Date.now()) : reject(new Error(`bench:fmnist: expected ${command} to exit 0, but got ${code ?? signal}`)),
    );
  });
}

const testMsBefore = (lines: EpochLine[], t: number): number =>
  lines.filter((o) => o.testEndMs <= t).reduce((s, o) => s + o.testEndMs - o.testStartMs, 0);

function result(name: string, lines: EpochLine[], spawnMs: number, exitMs: number): SideResult {
  const rows = lines.map((l) => ({ ...l, elapsedMs: l.epochEndMs - spawnMs - testMsBefore(lines, l.epochEndMs) }));
  return { name, rows, processMs: exitMs - spawnMs - testMsBefore(lines, exitMs) };
}

async function ours(): Promise<SideResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-fmnist-'));
  const out = path.join(dir, 'epochs.jsonl');
  const overrides = [
    `run.dir=${path.join(dir, 'run')}`,
    `trainer.maxEpochs=${epochs}`,
    `trainer.numThreads=${threads}`,
    ...(limit === null ? [] : [`trainer.limitTrainBatches=${limit}`]),
    ...(seed === null ? [] : [`trainer.seed=${seed}`]),
    `+callbacks.bench_epoch_test.out=${out}`,
  ];
  const args = [cli, 'train', '--no-test', '--plugin', plugin, ...overrides];
  console.log(`\nours: node ${path.relative(root, cli)} train --no-test --plugin ${path.relative(root, plugin)} ${overrides.join(' ')}`);
  const spawnMs = Date.now();
  try {
    const exitMs = await run(process.execPath, args, (line) => {
      if (/^(precision|memory format|Epoch \d+\/\d+ done)/i.test(line)) console.log(`  ${line}`);
    });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    return result(
      'ours',
      lines.map((l) => JSON.parse(l) as EpochLine),
      spawnMs,
      exitMs,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true }); // checkpoints: ~130 MB each
  }
}

async function pytorch(peer: Peer): Promise<SideResult> {
  const args = [torchScript, '--threads', String(threads), '--epochs', String(epochs), '--precision', peer.precision];
  if (limit !== null) args.push('--limit-train-batches', String(limit));
  if (seed !== null) args.push('--seed', String(seed));
  console.log(`\n${peer.name}: /usr/bin/python3 ${path.relative(root, torchScript)} ${args.slice(1).join(' ')}`);
  const lines: EpochLine[] = [];
  const spawnMs = Date.now();
  const exitMs = await run('/usr/bin/python3', args, (line) => {
    const m = /^epoch=(\{.*\})$/.exec(line);
    if (m !== null) lines.push(JSON.parse(m[1]) as EpochLine);
  });
  return result(peer.name, lines, spawnMs, exitMs);
}

const clock = (ms: number): string => {
  const s = ms / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
};
const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);

function report(sides: SideResult[]): void {
  const w = 24;
  console.log(`\n${'epoch'.padStart(5)} | ${sides.map((s) => `${s.name}: elapsed, test, val`.padEnd(w + 8)).join(' | ')}`);
  const n = Math.max(...sides.map((s) => s.rows.length));
  for (let i = 0; i < n; i++) {
    const cells = sides.map((s) => {
      const r = s.rows[i];
      return r === undefined
        ? '-'.padEnd(w + 8)
        : `${clock(r.elapsedMs).padStart(8)} ${pct(r.testTop1).padStart(8)} ${pct(r.valTop1).padStart(8)}`.padEnd(w + 8);
    });
    console.log(`${String(i + 1).padStart(5)} | ${cells.join(' | ')}`);
  }
  console.log(
    `\nwhole process (spawn to exit, less the bench's test passes): ${sides.map((s) => `${s.name} ${clock(s.processMs)}`).join(', ')}`,
  );
  const mine = sides.find((s) => s.name === 'ours');
  if (mine === undefined) return;
  const lastOurs = mine.rows.at(-1);
  if (lastOurs === undefined) throw new Error('bench:fmnist: expected epoch lines from ours, but got none');
  for (const peer of peers) {
    const side = sides.find((s) => s.name === peer.name);
    const last = side?.rows.at(-1);
    if (side === undefined || last === undefined) throw new Error(`bench:fmnist: expected epoch lines from ${peer.name}, but got none`);
    console.log(
      `\n${peer.name}: final test top-1 ours ${pct(lastOurs.testTop1)} in ${clock(lastOurs.elapsedMs)}, ${peer.name} ${pct(last.testTop1)} in ${clock(last.elapsedMs)}` +
        ` (total ours / peer ${(lastOurs.elapsedMs / last.elapsedMs).toFixed(2)}x; whole process ${(mine.processMs / side.processMs).toFixed(2)}x)`,
    );
    const reached = mine.rows.find((r) => r.testTop1 >= last.testTop1);
    if (reached === undefined) {
      console.log(
        `  ours did not reach ${peer.name}'s final test top-1 (${pct(last.testTop1)}) in ${mine.rows.length} epoch(s): target <= ${peer.target}x not met`,
      );
      continue;
    }
    const ratio = reached.elapsedMs / last.elapsedMs;
    console.log(
      `  time to ${peer.name}'s final test top-1 (${pct(last.testTop1)}): ours ${clock(reached.elapsedMs)} (epoch ${reached.epoch + 1}),` +
        ` ${peer.name} ${clock(last.elapsedMs)}: ${ratio.toFixed(2)}x (target <= ${peer.target}x: ${ratio <= peer.target ? 'met' : 'not met'})`,
    );
  }
}

console.log(
  `bench:fmnist  ResNet18 (ImageNet stem, 1 channel) on Fashion-MNIST, batch 128, ${epochs} epoch(s), ${threads} thread(s)` +
    (limit === null ? '' : `, ${limit} train batches per epoch`),
);
const sides: SideResult[] = [];
if (values.ours) sides.push(await ours());
for (const peer of peers) sides.push(await pytorch(peer));
report(sides);
