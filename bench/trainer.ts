/**
 * `npm run bench:trainer`: the Trainer's cost and its mixed precision, on
 * ResNet18 (small stem, 1 channel) and Fashion-MNIST from Debian's package,
 * batch 64, fixed threads. Every measurement is a fresh process
 * (bench/trainer-run.ts, bench/trainer_torch.py); sides alternate order from
 * round to round and medians are reported, with wall time and the process's
 * CPU time per step (every thread; on a shared machine it moves less than
 * wall time).
 *
 * - overhead (default part): the same N train steps through `Trainer` with
 *   its default callbacks and loggers (progress bar on a non-TTY, model
 *   summary, checkpointing, CSV + TensorBoard) and through a bare loop over
 *   the same module type, loader and optimizer. Steps k..N are timed on both
 *   sides (a callback / the loop itself); ratio Trainer / bare, target <= 1.03.
 *   The Trainer's one-off costs (fit start with the model summary; after the
 *   last batch: validation, checkpoint write) are listed apart.
 * - precision: the Trainer at fp32 (contiguous, which 'auto' picks for fp32
 *   on CPU, and channels-last) and at bf16-mixed ('auto': channels-last),
 *   and PyTorch's own fp32 / bf16 autocast step on random 1x28x28 data (same
 *   model, threads and batch) so both bf16 speed-ups can be compared. Target
 *   bf16 / fp32 >= 1.6x.
 * - auto: `precision: auto` against every fixed precision + memory format at
 *   input sizes 28, 64, 128, 224 for resnet18, mobilenet_v3_small and
 *   convnext_tiny (64+), full train steps, printing per size whether auto's
 *   pick is within noise of the best fixed choice (bench/trainer-auto.ts).
 * - --accuracy: one longer run each of fp32 and bf16-mixed (same seed, full
 *   val split unless --val-batches) printing val top-1; target within 0.5 points.
 *
 * Options: --part overhead|precision|auto|all (default overhead), --accuracy,
 * for auto: --models a,b (default resnet18,mobilenet_v3_small,convnext_tiny), --sizes 28,64,128,224,
 * --steps N (default 60; 300 with --accuracy), --warmup K (default 5),
 * --rounds R (default 3), --val-batches V (default 4; 'all'), --threads T (default 2).
 *
 * @example
 * npm run bench:trainer -- --part precision --steps 20 --rounds 1
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autoPart } from './trainer-auto.js';

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'overhead' },
    accuracy: { type: 'boolean', default: false },
    steps: { type: 'string' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'val-batches': { type: 'string' },
    threads: { type: 'string', default: '2' },
    models: { type: 'string', default: 'resnet18,mobilenet_v3_small,convnext_tiny' },
    sizes: { type: 'string', default: '28,64,128,224' },
  },
});
const part = values.part;
if (!['overhead', 'precision', 'auto', 'all'].includes(part))
  throw new Error(`bench:trainer: expected --part overhead, precision, auto or all, but got '${part}'`);
const steps = values.steps ?? (values.accuracy ? '300' : '60');
const warmup = values.warmup;
const rounds = Number(values.rounds);
const valBatches = values['val-batches'] ?? (values.accuracy ? 'all' : '4');
const threads = values.threads;
const batchSize = 64;

/** One side's result line (see trainer-run.ts). */
interface RunResult {
  msPerStep: number;
  cpuMsPerStep: number;
  channelsLast?: boolean;
  fitStartMs?: number;
  modelSummaryMs?: number;
  validationMs?: number;
  checkpointMs?: number;
  checkpointWrites?: number;
  fitEndMs?: number;
  valTop1?: number;
  trainLoss?: number;
}

const runScript = fileURLToPath(new URL('./trainer-run.ts', import.meta.url));
const torchScript = fileURLToPath(new URL('./trainer_torch.py', import.meta.url));

function ours(mode: 'trainer' | 'bare', extra: string[] = []): RunResult {
  const args = ['--import', 'tsx', runScript, '--mode', mode, '--steps', steps, '--warmup', warmup];
  const out = spawnSync(process.execPath, [...args, '--val-batches', valBatches, '--threads', threads, ...extra], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const match = /result=(\{.*\})/.exec(out.stdout);
  if (out.status !== 0 || match === null)
    throw new Error(`bench:trainer: the ${mode} run failed (${extra.join(' ')}): ${out.stderr.slice(-2000) || out.stdout.slice(-2000)}`);
  return JSON.parse(match[1]) as RunResult;
}

function pytorch(extra: string[]): RunResult {
  const args = [torchScript, '--threads', threads, '--steps', String(Number(steps) - Number(warmup)), '--warmup', warmup, ...extra];
  const out = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  const match = /ms_per_step=([\d.]+) cpu_ms_per_step=([\d.]+)/.exec(out.stdout);
  if (out.status !== 0 || match === null)
    throw new Error(`bench:trainer: the PyTorch run failed (${extra.join(' ')}): ${out.stderr || out.stdout}`);
  return { msPerStep: Number(match[1]), cpuMsPerStep: Number(match[2]) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f1 = (x: number): string => x.toFixed(1);

/** Runs every side once per round, rotating the order; returns each side's results. */
function rotate(sides: { name: string; run: () => RunResult }[]): Map<string, RunResult[]> {
  const results = new Map(sides.map((s) => [s.name, [] as RunResult[]]));
  for (let r = 0; r < rounds; r++) {
    const order = sides.map((_, i) => sides[(i + r) % sides.length]);
    const line: string[] = [];
    for (const side of order) {
      const result = side.run();
      results.get(side.name)!.push(result);
      line.push(`${side.name} ${f1(result.msPerStep)} ms/step (cpu ${f1(result.cpuMsPerStep)})`);
    }
    console.log(`  round ${r + 1}/${rounds}: ${line.join(' | ')}`);
  }
  return results;
}

/** A table row: the medians of wall and CPU ms/step, img/s, and the per-round wall values. */
function row(label: string, results: RunResult[]): string {
  const wall = median(results.map((r) => r.msPerStep));
  const cpu = median(results.map((r) => r.cpuMsPerStep));
  const each = results.length > 1 ? `  [${results.map((r) => f1(r.msPerStep)).join(', ')}]` : '';
  return `  ${label.padEnd(44)} ${f1(wall).padStart(9)} ${f1(cpu).padStart(11)} ${f1((batchSize / wall) * 1000).padStart(8)}${each}`;
}
const header = `  ${'side'.padEnd(44)} ${'ms/step'.padStart(9)} ${'cpu ms/step'.padStart(11)} ${'img/s'.padStart(8)}  [per round]`;
const ratio = (a: RunResult[], b: RunResult[], key: 'msPerStep' | 'cpuMsPerStep'): number =>
  median(a.map((r) => r[key])) / median(b.map((r) => r[key]));

function overhead(): void {
  console.log(
    `\noverhead: ${steps} train steps (steps ${warmup}..${steps} timed), fp32, ${valBatches} val batches, ${rounds} round(s), fresh processes, order alternating`,
  );
  const results = rotate([
    { name: 'trainer', run: () => ours('trainer') },
    { name: 'bare', run: () => ours('bare') },
  ]);
  const trainer = results.get('trainer')!;
  const bare = results.get('bare')!;
  console.log(header);
  console.log(row('Trainer, default callbacks + loggers', trainer));
  console.log(row('bare loop (same module, loader, optimizer)', bare));
  console.log(
    `  Trainer / bare: wall ${ratio(trainer, bare, 'msPerStep').toFixed(3)}x, cpu ${ratio(trainer, bare, 'cpuMsPerStep').toFixed(3)}x (target <= 1.03x)`,
  );
  const m = (key: keyof RunResult): string => f1(median(trainer.map((r) => Number(r[key] ?? 0))));
  console.log(
    `  Trainer one-off costs (median ms): fit() to the first batch ${m('fitStartMs')}, of which model summary ${m('modelSummaryMs')};`,
  );
  console.log(
    `    after the last batch to fit()'s return ${m('fitEndMs')}, of which validation (${valBatches} batches) ${m('validationMs')} and ${trainer[0].checkpointWrites} checkpoint write(s) ${m('checkpointMs')}`,
  );
}

function precision(): void {
  console.log(
    `\nprecision: Trainer ${steps} steps (steps ${warmup}..${steps} timed) on Fashion-MNIST; PyTorch ${Number(steps) - Number(warmup)} timed steps after ${warmup} on random 1x28x28; ${rounds} round(s)`,
  );
  const results = rotate([
    { name: 'fp32', run: () => ours('trainer', ['--precision', '32']) },
    { name: 'fp32-CL', run: () => ours('trainer', ['--precision', '32', '--memory-format', 'channelsLast']) },
    { name: 'bf16', run: () => ours('trainer', ['--precision', 'bf16-mixed']) },
    { name: 'torch-fp32', run: () => pytorch(['--precision', '32']) },
    { name: 'torch-bf16', run: () => pytorch(['--precision', 'bf16']) },
  ]);
  const get = (name: string): RunResult[] => results.get(name)!;
  console.log(header);
  console.log(row(`Trainer fp32, contiguous ('auto' for fp32)`, get('fp32')));
  console.log(row('Trainer fp32, channelsLast', get('fp32-CL')));
  console.log(row(`Trainer bf16-mixed, 'auto' (channels-last)`, get('bf16')));
  console.log(row('PyTorch fp32, contiguous', get('torch-fp32')));
  console.log(row('PyTorch bf16 autocast, channels_last', get('torch-bf16')));
  const speedup = (a: string, b: string): string =>
    `${ratio(get(b), get(a), 'msPerStep').toFixed(2)}x (cpu ${ratio(get(b), get(a), 'cpuMsPerStep').toFixed(2)}x)`;
  console.log(`  throughput bf16 / fp32: ours ${speedup('bf16', 'fp32')} (target >= 1.6x), PyTorch ${speedup('torch-bf16', 'torch-fp32')}`);
  console.log(`  throughput fp32 channelsLast / contiguous: ours ${speedup('fp32-CL', 'fp32')}`);
  console.log(`  ours / PyTorch: fp32 ${speedup('fp32', 'torch-fp32')}, bf16 ${speedup('bf16', 'torch-bf16')}`);
}

function accuracy(): void {
  console.log(`\naccuracy: one run each of ${steps} train steps, seed 0, val batches: ${valBatches}`);
  const fp32 = ours('trainer', ['--precision', '32']);
  console.log(
    `  fp32       val/acc_top1 ${(fp32.valTop1! * 100).toFixed(2)}%  train/loss ${fp32.trainLoss?.toFixed(4)}  ${f1(fp32.msPerStep)} ms/step`,
  );
  const bf16 = ours('trainer', ['--precision', 'bf16-mixed']);
  console.log(
    `  bf16-mixed val/acc_top1 ${(bf16.valTop1! * 100).toFixed(2)}%  train/loss ${bf16.trainLoss?.toFixed(4)}  ${f1(bf16.msPerStep)} ms/step`,
  );
  console.log(`  difference ${((bf16.valTop1! - fp32.valTop1!) * 100).toFixed(2)} points (target within 0.5)`);
}

console.log(
  part === 'auto'
    ? `bench:trainer  precision auto against every fixed choice, ${threads} threads`
    : `bench:trainer  ResNet18 small stem, 1x28x28 Fashion-MNIST, batch ${batchSize}, ${threads} threads`,
);
if (values.accuracy) accuracy();
else {
  if (part === 'overhead' || part === 'all') overhead();
  if (part === 'precision' || part === 'all') precision();
  if (part === 'auto' || part === 'all')
    autoPart({
      models: values.models.split(','),
      sizes: values.sizes.split(',').map(Number),
      steps: values.steps ?? '3',
      rounds: values.rounds,
      threads,
    });
}
