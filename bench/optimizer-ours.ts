/**
 * Our side of bench:optimizer: `optimizer.step()` of AdamW on ResNet-18's
 * parameters (10 classes: 62 tensors, 11.2M values) with fixed gradients,
 * parameter by parameter (`foreach = false`) and one native call per param
 * group (`foreach = true`), in alternating blocks on the same optimizer.
 *
 * Usage: optimizer-ours.ts --threads N --steps S --warmup W --rounds R
 * Prints one line per mode: <mode> ms_per_step=<median over rounds>
 */
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.js';
import { resnet18 } from '../src/models/resnet.js';
import { AdamW } from '../src/torch/optim/index.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
  },
});
if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));
const steps = Number(values.steps);

torch.manualSeed(0);
const params = resnet18({ numClasses: 10 }).parameters();
torch.noGrad(() => {
  for (const p of params) p.grad = torch.randn(p.shape).mul_(1e-3);
});
const optimizer = new AdamW(params, { lr: 1e-3, weightDecay: 1e-2 });

function block(foreach: boolean, n: number): number {
  optimizer.foreach = foreach;
  const start = performance.now();
  for (let i = 0; i < n; i++) optimizer.step();
  return (performance.now() - start) / n;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
block(false, Number(values.warmup));
block(true, Number(values.warmup));
const times: Record<'per-parameter' | 'multi-tensor', number[]> = { 'per-parameter': [], 'multi-tensor': [] };
for (let r = 0; r < Number(values.rounds); r++) {
  // Alternate which mode goes first, so drift in the machine's load hits both.
  const order = r % 2 === 0 ? [false, true] : [true, false];
  for (const foreach of order) times[foreach ? 'multi-tensor' : 'per-parameter'].push(block(foreach, steps));
}
const count = params.reduce((n, p) => n + p.numel(), 0);
console.log(`tensors=${params.length} values=${count}`);
for (const [mode, ms] of Object.entries(times)) console.log(`${mode} ms_per_step=${median(ms).toFixed(3)}`);
