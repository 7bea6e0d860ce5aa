/**
 * Our side of bench:models, one model and one precision per process: the
 * model built through the registry by name (as `train model=<name>` builds
 * it), wrapped in the ClassificationModule with its default loss and
 * optimizer (cross-entropy with label smoothing 0.1, AdamW), on one fixed
 * random batch. The training step is the Trainer's: forward and loss under
 * `Precision` (autocast to bf16 for 'bf16-mixed'), backward, optimizer step,
 * zero grad. Eval is the evaluation loop's forward: eval mode, no grad, the
 * same autocast. Model and batch are channels-last with `--memory-format
 * channelsLast`.
 *
 * Usage: models-run.ts --model resnet50 --precision 32|bf16-mixed --memory-format contiguous|channelsLast
 *          --batch 32 --size 224 --steps 10 --warmup 2 --eval-steps 10 --threads T
 * Prints one line: result={"trainMs":..,"trainCpuMs":..,"evalMs":..,"evalCpuMs":..} (ms per batch)
 */
import { parseArgs } from 'node:util';
import { loadComponents } from '../src/cli/run-builder.js';
import { ClassificationModule } from '../src/models/classification-module.js';
import { registry } from '../src/registry.js';
import * as torch from '../src/torch/index.js';
import type { Module } from '../src/torch/nn/index.js';
import { Precision } from '../src/training/precision.js';
import type { PrecisionName } from '../src/training/precision.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet50' },
    precision: { type: 'string', default: '32' },
    'memory-format': { type: 'string', default: 'contiguous' },
    batch: { type: 'string', default: '32' },
    size: { type: 'string', default: '224' },
    classes: { type: 'string', default: '1000' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'eval-steps': { type: 'string', default: '10' },
    threads: { type: 'string', default: '2' },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);
const numClasses = Number(values.classes);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const evalSteps = Number(values['eval-steps']);
const channelsLast = values['memory-format'] === 'channelsLast';
const precision = new Precision(values.precision as PrecisionName, 'cpu');
torch.setNumThreads(Number(values.threads));

/** User + system CPU time of this process so far (every thread), in ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wall and CPU ms per call of `fn` over `count` calls, after `warm` untimed ones. */
function timed(fn: () => void, warm: number, count: number): { ms: number; cpuMs: number } {
  for (let i = 0; i < warm; i++) fn();
  const [start, cpuStart] = [performance.now(), cpuMs()];
  for (let i = 0; i < count; i++) fn();
  return { ms: (performance.now() - start) / count, cpuMs: (cpuMs() - cpuStart) / count };
}

await loadComponents();
torch.manualSeed(0);
const backbone = registry.build<Module>('model', values.model, { numClasses });
const module = new ClassificationModule(backbone, { numClasses, classNames: Array.from({ length: numClasses }, (_, i) => `c${i}`) });
if (channelsLast) module.to({ memoryFormat: 'channelsLast' });
const images = torch.tidy(() => {
  const x = torch.randn([batch, 3, size, size]);
  return channelsLast ? x.contiguous('channelsLast') : x;
});
const labels = torch.randint(0, numClasses, [batch]);
const { optimizer } = module.configureOptimizers({ maxEpochs: 1, stepsPerEpoch: steps + warmup });

module.train();
const train = timed(
  () => {
    torch.tidy(() => {
      const loss = precision.forward(() => module.trainingStep({ images, labels }, 0));
      precision.backward(loss);
      precision.step(optimizer);
      optimizer.zeroGrad();
    });
    for (const e of module.takeLogs()) if (typeof e.value !== 'number') e.value.dispose();
  },
  warmup,
  steps,
);
module.eval();
const evaluation = timed(
  () => torch.noGrad(() => torch.tidy(() => void precision.forward(() => module.forward(images)).data())),
  Math.min(warmup, 2),
  evalSteps,
);
optimizer.dispose();
module.dispose();
torch.dispose([images, labels]);
console.log(`result=${JSON.stringify({ trainMs: train.ms, trainCpuMs: train.cpuMs, evalMs: evaluation.ms, evalCpuMs: evaluation.cpuMs })}`);
