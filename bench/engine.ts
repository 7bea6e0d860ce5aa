/**
 * bench:engine — one training step (forward, cross-entropy, backward, AdamW
 * step) of a small ResNet (BasicBlock [1, 1, 1, 1], 3x3 stem, no max-pool) at
 * batch 64 on 32x32 inputs, through our API and through PyTorch
 * (python3-torch, same threads, same shapes), alternating rounds in one run.
 * Prints both and the throughput ratio (ours / PyTorch's; target >= 0.97).
 *
 *   npm run bench:engine            # ROUNDS=5 STEPS=10 BATCH=64 to change
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.js';
import { AdamW } from '../src/torch/optim/index.js';
import { BasicBlock } from '../src/models/resnet-blocks.js';
import { ResNet } from '../src/models/resnet.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const steps = Number(process.env.STEPS ?? 10);
const batchSize = Number(process.env.BATCH ?? 64);
const threads = torch.getNumThreads();

torch.manualSeed(0);
const model = new ResNet({ block: BasicBlock, layers: [1, 1, 1, 1] }, { numClasses: 10, stem: 'small' }).train();
const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
const x = torch.keep(torch.randn([batchSize, 3, 32, 32]));
const y = torch.keep(torch.randint(0, 10, [batchSize]));

function step(): void {
  torch.tidy(() => {
    const loss = torch.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  });
}

function ours(): number {
  step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - start) / steps;
}

function pytorch(): number {
  const script = fileURLToPath(new URL('./engine_torch.py', import.meta.url));
  const out = spawnSync('/usr/bin/python3', [script, '--threads', String(threads), '--steps', String(steps), '--batch', String(batchSize)], { encoding: 'utf8' });
  const match = /ms_per_step=([\d.]+)/.exec(out.stdout);
  if (out.status !== 0 || match === null) throw new Error(`bench:engine: the PyTorch side failed: ${out.stderr || out.stdout}`);
  return Number(match[1]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const oursMs: number[] = [];
const torchMs: number[] = [];
console.log(`bench:engine  ResNet BasicBlock[1,1,1,1] small stem, batch ${batchSize}x3x32x32, AdamW, ${threads} threads, ${rounds} rounds x ${steps} steps`);
for (let i = 0; i < 5; i++) step(); // first-use costs (oneDNN primitives, allocator, V8) once
for (let r = 0; r < rounds; r++) {
  oursMs.push(ours());
  torchMs.push(pytorch());
  console.log(`round ${r + 1}: ours ${oursMs[r].toFixed(1)} ms/step   pytorch ${torchMs[r].toFixed(1)} ms/step`);
}
const o = median(oursMs);
const t = median(torchMs);
console.log(`median: ours ${o.toFixed(1)} ms/step (${(batchSize / o * 1000).toFixed(0)} img/s)   pytorch ${t.toFixed(1)} ms/step (${(batchSize / t * 1000).toFixed(0)} img/s)`);
console.log(`throughput ratio ours/pytorch: ${(t / o).toFixed(3)}x (target >= 0.97)`);
