/**
 * bench:engine — one training step (forward, cross-entropy, backward, AdamW
 * step) of a small ResNet (BasicBlock [1, 1, 1, 1], 3x3 stem, no max-pool) at
 * batch 64 on 32x32 inputs, through our API (bench/engine-ours.ts) and through
 * PyTorch (bench/engine_torch.py, python3-torch), same threads, same shapes.
 * Each round starts both sides as fresh processes with the same warm-up and
 * step count, alternating, so neither gets a warmer or a more fragmented heap.
 * Prints both, the medians and the throughput ratio (ours / PyTorch's; target >= 0.97).
 *
 *   npm run bench:engine            # ROUNDS=5 STEPS=10 BATCH=64 to change
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.env.ROUNDS ?? 5);
const steps = Number(process.env.STEPS ?? 10);
const batchSize = Number(process.env.BATCH ?? 64);
const threads = Number(process.env.OMP_NUM_THREADS ?? availableParallelism());
const args = ['--threads', String(threads), '--steps', String(steps), '--warmup', '3', '--batch', String(batchSize)];

function measure(command: string, commandArgs: string[], side: string): number {
  const out = spawnSync(command, commandArgs, { encoding: 'utf8' });
  const match = /ms_per_step=([\d.]+)/.exec(out.stdout);
  if (out.status !== 0 || match === null) throw new Error(`bench:engine: the ${side} side failed: ${out.stderr || out.stdout}`);
  return Number(match[1]);
}

const ours = () =>
  measure(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./engine-ours.ts', import.meta.url)), ...args], 'our');
const pytorch = () => measure('/usr/bin/python3', [fileURLToPath(new URL('./engine_torch.py', import.meta.url)), ...args], 'PyTorch');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const oursMs: number[] = [];
const torchMs: number[] = [];
console.log(
  `bench:engine  ResNet BasicBlock[1,1,1,1] small stem, batch ${batchSize}x3x32x32, AdamW, ${threads} threads, ${rounds} rounds x ${steps} steps (3 warm-up), fresh processes`,
);
for (let r = 0; r < rounds; r++) {
  // Alternate which side goes first, so drift in the machine's load hits both.
  if (r % 2 === 0) {
    oursMs.push(ours());
    torchMs.push(pytorch());
  } else {
    torchMs.push(pytorch());
    oursMs.push(ours());
  }
  console.log(`round ${r + 1}: ours ${oursMs[r].toFixed(1)} ms/step   pytorch ${torchMs[r].toFixed(1)} ms/step`);
}
const o = median(oursMs);
const t = median(torchMs);
console.log(
  `median: ours ${o.toFixed(1)} ms/step (${((batchSize / o) * 1000).toFixed(0)} img/s)   pytorch ${t.toFixed(1)} ms/step (${((batchSize / t) * 1000).toFixed(0)} img/s)`,
);
console.log(`throughput ratio ours/pytorch: ${(t / o).toFixed(3)}x (target >= 0.97)`);
