/**
 * One (model, input size) of `bench:trainer --part auto`, in its own
 * process: a model built by name through the registry, a random batch of
 * 3 x size x size images, and full train steps (forward, loss, backward,
 * AdamW step) timed at each fixed precision + memory format; then the
 * `precision: auto` probe on the same batch (its own cost timed apart), and
 * the probe's pick timed again as 'auto'. Each round times every side once,
 * in an order rotated from round to round; medians are reported.
 *
 * Usage: trainer-auto-run.ts --model resnet18 --size 28 --batch 128 [--steps 3] [--warmup 1] [--rounds 2] [--threads 2]
 * Prints one line: result={json}
 */
import { parseArgs } from 'node:util';
import { loadComponents } from '../src/cli/run-builder.js';
import { nativeBf16 } from '../src/export/libtorch-logits.js';
import { ClassificationModule } from '../src/models/classification-module.js';
import { registry } from '../src/registry.js';
import * as torch from '../src/torch/index.js';
import type { Module } from '../src/torch/nn/index.js';
import { Precision } from '../src/training/precision.js';
import { autoCandidates, describeChoice, median, pickFastest } from '../src/training/precision-choice.js';
import type { PrecisionChoice } from '../src/training/precision-choice.js';
import { probePrecision } from '../src/training/precision-probe.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet18' },
    size: { type: 'string', default: '28' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
  },
});
const [size, batch, steps, warmup, rounds] = [values.size, values.batch, values.steps, values.warmup, values.rounds].map(Number);
const numClasses = 10;
torch.setNumThreads(Number(values.threads));

await loadComponents();
torch.manualSeed(0);
const backbone = registry.build<Module>('model', values.model, { numClasses });
const module = new ClassificationModule(backbone, { numClasses, classNames: Array.from({ length: numClasses }, (_, i) => `c${i}`) });
const images = torch.randn([batch, 3, size, size]);
const labels = torch.randint(0, numClasses, [batch]);
const { optimizer } = module.configureOptimizers({ maxEpochs: 1, stepsPerEpoch: 1000 });
const candidates = autoCandidates({ precision: 'auto', memoryFormat: 'auto' }, { device: 'cpu', nativeBf16: nativeBf16() });

/** Median wall ms of `steps` full train steps at `choice`, after `warmup` untimed ones. */
function trainSteps(choice: PrecisionChoice): number {
  module.to({ memoryFormat: choice.memoryFormat });
  const x = images.contiguous(choice.memoryFormat);
  const precision = new Precision(choice.precision, 'cpu');
  const times: number[] = [];
  module.train();
  for (let i = 0; i < warmup + steps; i++) {
    const start = performance.now();
    torch.tidy(() => {
      const loss = precision.forward(() => module.trainingStep({ images: x, labels }, 0));
      precision.backward(loss);
      precision.step(optimizer);
      optimizer.zeroGrad();
    });
    for (const e of module.takeLogs()) if (typeof e.value !== 'number') e.value.dispose();
    if (i >= warmup) times.push(performance.now() - start);
  }
  if (x !== images) x.dispose();
  return median(times);
}

const fixed = new Map<string, number[]>(candidates.map((c) => [describeChoice(c), []]));
const auto: { pick: string; msPerStep: number; probeMs: number; probeTimings: Record<string, number> }[] = [];
for (let r = 0; r < rounds; r++) {
  const sides = [...candidates.map((c) => describeChoice(c)), 'auto'];
  const order = sides.map((_, i) => sides[(i + r) % sides.length]);
  for (const side of order) {
    if (side !== 'auto') {
      fixed.get(side)!.push(trainSteps(candidates.find((c) => describeChoice(c) === side)!));
      continue;
    }
    const start = performance.now();
    const timings = probePrecision({ module, batch: { images, labels }, candidates, device: 'cpu' });
    const probeMs = performance.now() - start;
    const { choice } = pickFastest(timings);
    const probeTimings = Object.fromEntries(timings.map((t) => [describeChoice(t.choice), t.msPerStep]));
    auto.push({ pick: describeChoice(choice), msPerStep: trainSteps(choice), probeMs, probeTimings });
  }
}
optimizer.dispose();
module.dispose();
torch.dispose([images, labels]);
const fixedMs = Object.fromEntries([...fixed].map(([name, ms]) => [name, median(ms)]));
console.log(`result=${JSON.stringify({ fixedMs, fixedRounds: Object.fromEntries(fixed), auto })}`);
