/**
 * `npm run bench:ddp`: data-parallel throughput, ours against PyTorch's
 * DistributedDataParallel (Debian's python3-torch, Gloo), side by side in one
 * run: ResNet18 (small stem) on random 1x28x28 images, the same per-rank
 * batch, SGD, one intra-op thread per process. Ours is a bare loop over our
 * `DdpStrategy` (bench/ddp-run.ts), PyTorch's is bench/ddp_torch.py; both
 * also run as one process with one thread for the scaling efficiency
 * (img/s with N processes / (N x img/s of one process)). Every measurement
 * is a fresh set of processes; sides alternate order from round to round and
 * medians are reported. On a 2-core machine shared with other work the
 * figures move from run to run: compare the two sides of one run.
 *
 * Options: --world N (default 2), --batch B per rank (default 16),
 * --steps S (default 8), --warmup W (default 2), --rounds R (default 2).
 *
 * @example
 * npm run bench:ddp -- --rounds 1
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, launchProcesses } from '../src/training/strategies/launcher.js';

const { values } = parseArgs({
  options: {
    world: { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    steps: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
  },
});
const world = Number(values.world);
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const runArgs = [values.batch, values.steps, values.warmup];
const ours = fileURLToPath(new URL('./ddp-run.ts', import.meta.url));
const theirs = fileURLToPath(new URL('./ddp_torch.py', import.meta.url));
const childEnv = { ...process.env, OMP_NUM_THREADS: '1' };

function msPerStep(output: string, what: string): number {
  const match = /ms_per_step=([\d.]+)/.exec(output);
  if (match === null) throw new Error(`bench:ddp: expected ms_per_step from ${what}, but got:\n${output}`);
  return Number(match[1]);
}

async function runOurs(n: number): Promise<number> {
  const args = ['--import', 'tsx', ours, ...runArgs];
  if (n === 1) {
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: childEnv });
    return msPerStep(run.stdout + run.stderr, 'ours, 1 process');
  }
  let out = '';
  await launchProcesses({
    nprocs: n,
    command: process.execPath,
    args,
    env: { OMP_NUM_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
    onSpawn: (child) => child.stdout?.on('data', (c: Buffer) => (out += c.toString())),
    timeoutMs: 600_000,
  });
  return msPerStep(out, `ours, ${n} processes`);
}

async function runTheirs(n: number): Promise<number> {
  const port = await freePort();
  const args = [
    theirs,
    '--world',
    String(n),
    '--port',
    String(port),
    '--batch',
    values.batch,
    '--steps',
    values.steps,
    '--warmup',
    values.warmup,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', args, { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', () => {
      try {
        resolve(msPerStep(out, `PyTorch, ${n} processes`));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results: Record<string, number[]> = { ours1: [], theirs1: [], oursN: [], theirsN: [] };
for (let round = 0; round < rounds; round++) {
  const order: [string, () => Promise<number>][] = [
    ['oursN', () => runOurs(world)],
    ['theirsN', () => runTheirs(world)],
    ['ours1', () => runOurs(1)],
    ['theirs1', () => runTheirs(1)],
  ];
  if (round % 2 === 1) order.reverse();
  for (const [key, run] of order) {
    const ms = await run();
    results[key].push(ms);
    console.error(`round ${round + 1}: ${key} ${ms.toFixed(1)} ms/step`);
  }
}

const imgPerSec = (key: string, n: number): number => (n * batch * 1000) / median(results[key]);
const rows = [
  ['ours', imgPerSec('oursN', world), imgPerSec('ours1', 1)],
  ['PyTorch DDP', imgPerSec('theirsN', world), imgPerSec('theirs1', 1)],
] as const;
console.log(
  `ResNet18 small stem, 1x28x28, batch ${batch} per rank, ${values.steps} timed steps, ${world} processes x 1 thread, median of ${rounds}`,
);
console.log('| side | img/s, 1 process | img/s, ' + world + ' processes | scaling efficiency |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, n, one] of rows)
  console.log(`| ${name} | ${one.toFixed(1)} | ${n.toFixed(1)} | ${((100 * n) / (world * one)).toFixed(0)}% |`);
console.log(`ours / PyTorch DDP (${world} processes): ${(rows[0][1] / rows[1][1]).toFixed(3)}x (target >= 0.95x)`);
