/**
 * Trains a ResNet18 (small stem) for 100 steps on generated data using only
 * the ClassificationModule, an optimizer loop and the metrics — no Trainer.
 * Each class is a fixed random 32x32 pattern plus strong noise, so the loss
 * falls and the accuracy on a held-out batch rises.
 *
 *   node --import tsx examples/train-resnet18-generated.ts
 */
import * as torch from '../src/torch/index.js';
import { resnet18 } from '../src/models/resnet.js';
import { ClassificationModule } from '../src/models/classification-module.js';
import { MulticlassAccuracy } from '../src/metrics/index.js';

const numClasses = 4;
const steps = Number(process.env.STEPS ?? 100);
torch.manualSeed(0);

const prototypes = torch.keep(torch.randn([numClasses, 3, 32, 32]));
function batch(size: number) {
  const labels = torch.randint(0, numClasses, [size]);
  const images = prototypes.indexSelect(0, labels).add(torch.randn([size, 3, 32, 32]).mul(3));
  return { images, labels };
}

const module = new ClassificationModule(resnet18({ numClasses, stem: 'small' }), {
  numClasses,
  optimizer: { lr: 1e-3 },
  scheduler: { name: 'none' },
});
const { optimizer } = module.configureOptimizers({ maxEpochs: 1 });
const accuracy = new MulticlassAccuracy({ numClasses, average: 'micro' });
const heldOut = batch(128);
torch.keep(heldOut.images);
torch.keep(heldOut.labels);

/** Accuracy on a fixed held-out batch, in eval mode, through the metric. */
function heldOutAccuracy(): number {
  module.eval();
  const acc = torch.tidy(() => {
    accuracy.update(
      torch.noGrad(() => module.forward(heldOut.images)),
      heldOut.labels,
    );
    return accuracy.compute().item();
  });
  accuracy.reset();
  module.train();
  return acc;
}

module.train();
let lossSum = 0;
let lossCount = 0;
for (let step = 1; step <= steps; step++) {
  const loss = torch.tidy(() => {
    const b = batch(16);
    const l = module.trainingStep(b, step);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.item();
  });
  for (const entry of module.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
  lossSum += loss;
  lossCount += 1;
  if (step === 1 || step % 10 === 0) {
    console.log(
      `step ${String(step).padStart(3)}  mean loss since last line ${(lossSum / lossCount).toFixed(4)}  held-out acc ${heldOutAccuracy().toFixed(3)}`,
    );
    lossSum = 0;
    lossCount = 0;
  }
}
