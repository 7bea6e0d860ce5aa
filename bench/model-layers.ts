/**
 * `bench/model-layers.ts`: where one eval forward of a zoo model spends its
 * time, layer type by layer type, ours against torchvision's same model in
 * PyTorch eager (bench/model_layers_torch.py), same batch, precision and
 * memory format, eval mode under no-grad and the precision's autocast, as
 * bench:models' eval runs. Each leaf layer's forward (and each
 * SqueezeExcitation as a whole) is timed in process CPU time, and the
 * layers' input and output dtype and memory format are listed, so a
 * conversion that one side makes and the other does not shows up as its own
 * row. CPU time at one thread by default: on a shared 2-core machine, wall
 * time at two OpenMP threads measures the scheduler (a forward there runs
 * 4-8x slower than at one thread when the load average is above the core
 * count), while CPU time at one thread measures the work.
 *
 * Usage: node --import tsx bench/model-layers.ts --model efficientnet_b0 --precision 32|bf16-mixed
 *          --memory-format contiguous|channelsLast --batch 8 --size 224 --reps 3 --threads 1
 *
 * @example
 * node --import tsx bench/model-layers.ts --model mobilenet_v3_large --precision bf16-mixed --memory-format channelsLast
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadComponents } from '../src/cli/run-builder.js';
import { registry } from '../src/registry.js';
import * as torch from '../src/torch/index.js';
import type { Tensor } from '../src/torch/index.js';
import type { Module } from '../src/torch/nn/index.js';
import { Precision } from '../src/training/precision.js';
import type { PrecisionName } from '../src/training/precision.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'efficientnet_b0' },
    precision: { type: 'string', default: '32' },
    'memory-format': { type: 'string', default: 'contiguous' },
    batch: { type: 'string', default: '8' },
    size: { type: 'string', default: '224' },
    reps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
  },
});
const reps = Number(values.reps);
const channelsLast = values['memory-format'] === 'channelsLast';

/** CPU ms per forward and calls per forward of one layer type and in/out format. */
type Rows = Record<string, { ms: number; calls: number }>;
interface Side {
  totalMs: number;
  layers: Rows;
}

/** User + system CPU time of this process so far, in ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const format = (t: Tensor): string => `${t.dtype}/${t.isContiguous('channelsLast') ? 'CL' : t.isContiguous() ? 'C' : 'strided'}`;

/** Wraps the forward of every leaf layer (and SqueezeExcitation as a whole) to add its CPU time to `rows`. */
function instrument(module: Module, rows: Rows): void {
  const kids = [...module.children()];
  if (kids.length > 0 && module.constructor.name !== 'SqueezeExcitation') {
    for (const kid of kids) instrument(kid, rows);
    return;
  }
  const forward = module.forward.bind(module);
  module.forward = (x: Tensor): Tensor => {
    const start = cpuMs();
    const out = forward(x);
    const key = `${module.constructor.name} ${format(x)} -> ${format(out)}`;
    const row = (rows[key] ??= { ms: 0, calls: 0 });
    row.ms += cpuMs() - start;
    row.calls++;
    return out;
  };
}

/** Our side: the model built through the registry by name, as `train model=<name>` builds it. */
async function ours(): Promise<Side> {
  torch.setNumThreads(Number(values.threads));
  await loadComponents();
  torch.manualSeed(0);
  const model = registry.build<Module>('model', values.model, { numClasses: 1000 });
  if (channelsLast) model.to({ memoryFormat: 'channelsLast' });
  model.eval();
  const precision = new Precision(values.precision as PrecisionName, 'cpu');
  const size = Number(values.size);
  const images = torch.tidy(() => {
    const x = torch.randn([Number(values.batch), 3, size, size]);
    return channelsLast ? x.contiguous('channelsLast') : x;
  });
  const step = (): void => torch.noGrad(() => torch.tidy(() => void precision.forward(() => model.forward(images)).data()));
  step();
  const start = cpuMs();
  for (let i = 0; i < reps; i++) step();
  const totalMs = (cpuMs() - start) / reps;
  const layers: Rows = {};
  instrument(model, layers);
  for (let i = 0; i < reps; i++) step();
  images.dispose();
  model.dispose();
  return { totalMs, layers: perForward(layers) };
}

const perForward = (rows: Rows): Rows =>
  Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { ms: v.ms / reps, calls: v.calls / reps }]));

function pytorch(): Side {
  const script = fileURLToPath(new URL('./model_layers_torch.py', import.meta.url));
  const args = ['--model', values.model, '--precision', values.precision === '32' ? '32' : 'bf16'];
  if (channelsLast) args.push('--channels-last');
  args.push('--batch', values.batch, '--size', values.size, '--reps', values.reps, '--threads', values.threads);
  const out = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8' });
  const match = /result=(\{.*\})/.exec(out.stdout ?? '');
  if (out.status !== 0 || match === null) throw new Error(`model-layers: the PyTorch side failed: ${out.stderr || out.stdout}`);
  return JSON.parse(match[1]) as Side;
}

const a = await ours();
const b = pytorch();
const keys = [...new Set([...Object.keys(a.layers), ...Object.keys(b.layers)])].sort(
  (x, y) => (b.layers[y]?.ms ?? a.layers[y].ms) - (b.layers[x]?.ms ?? a.layers[x].ms),
);
const cell = (rows: Rows, k: string): string => (rows[k] === undefined ? '-' : `${rows[k].ms.toFixed(1)} (${rows[k].calls})`);
console.log(
  `${values.model} ${values.precision} ${values['memory-format']}, batch ${values.batch}, ${values.size}x${values.size}, ${values.threads} thread(s): CPU ms per eval forward (calls)`,
);
console.log(`${'layer  input -> output'.padEnd(58)} ${'ours'.padStart(14)} ${'PyTorch'.padStart(14)}`);
for (const k of keys) console.log(`${k.padEnd(58)} ${cell(a.layers, k).padStart(14)} ${cell(b.layers, k).padStart(14)}`);
console.log(
  `${'whole forward, uninstrumented'.padEnd(58)} ${a.totalMs.toFixed(1).padStart(14)} ${b.totalMs.toFixed(1).padStart(14)}  CPU time ours / PyTorch ${(a.totalMs / b.totalMs).toFixed(2)}x (below 1: ours is cheaper)`,
);
