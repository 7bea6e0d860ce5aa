/**
 * The default run: a ResNet18 (small stem, 1 input channel) trained on
 * Fashion-MNIST from Debian's dataset-fashion-mnist with the
 * ClassificationModule, the data module and a plain loop (the Trainer comes
 * in a later release). Kept short by default; raise the limits for a real run.
 *
 *   npm run demo                                   # ~100 train batches, 20 val batches
 *   TRAIN_BATCHES=0 EPOCHS=5 npm run demo           # 0 = whole epochs
 */
import * as torch from '../src/torch/index.js';
import { ImageClassificationDataModule } from '../src/data/datamodule.js';
import { ClassificationModule } from '../src/models/classification-module.js';
import { resnet18 } from '../src/models/resnet.js';
import { ReduceLROnPlateau } from '../src/torch/optim/index.js';

const epochs = Number(process.env.EPOCHS ?? 1);
const trainBatches = Number(process.env.TRAIN_BATCHES ?? 100);
const valBatches = Number(process.env.VAL_BATCHES ?? 20);

const dm = new ImageClassificationDataModule({ root: 'fashion-mnist', batchSize: 64 });
await dm.setup('fit');
console.log(
  `Fashion-MNIST: ${dm.train?.length} train / ${dm.val?.length} val images, ${dm.numClasses} classes, ${torch.getNumThreads()} threads`,
);

torch.manualSeed(0);
const module = new ClassificationModule(resnet18({ numClasses: dm.numClasses, stem: 'small', inChannels: 1 }), {
  numClasses: dm.numClasses,
  classNames: [...dm.idxToClass],
  optimizer: { lr: 1e-3 },
  scheduler: { warmupEpochs: 0.1, interval: 'step' },
});
const stepsPerEpoch = trainBatches > 0 ? Math.min(trainBatches, dm.trainLoader().length) : dm.trainLoader().length;
const { optimizer, scheduler } = module.configureOptimizers({ maxEpochs: epochs, stepsPerEpoch });
const disposeLogs = () => {
  for (const e of module.takeLogs()) if (typeof e.value !== 'number') e.value.dispose();
};

for (let epoch = 0; epoch < epochs; epoch++) {
  module.train();
  let step = 0;
  const start = performance.now();
  for await (const batch of dm.trainLoader().epoch(epoch)) {
    const loss = torch.tidy(() => {
      const l = module.trainingStep(batch, step);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l.item();
    });
    torch.dispose(batch);
    if (scheduler !== null && !(scheduler instanceof ReduceLROnPlateau)) scheduler.step();
    disposeLogs();
    step++;
    if (step % 10 === 0)
      console.log(
        `epoch ${epoch} step ${step}/${stepsPerEpoch}  loss ${loss.toFixed(4)}  ${((step * 64) / ((performance.now() - start) / 1000)).toFixed(0)} img/s`,
      );
    if (step >= stepsPerEpoch) break;
  }
  const train = module.onTrainEpochEnd();
  module.eval();
  let v = 0;
  for await (const batch of dm.valLoader().epoch(epoch)) {
    torch.noGrad(() =>
      torch.tidy(() => {
        module.validationStep(batch, v);
      }),
    );
    torch.dispose(batch);
    if (++v >= valBatches && valBatches > 0) break;
  }
  const val = module.onValidationEpochEnd();
  disposeLogs();
  console.log(
    `epoch ${epoch}: train/loss ${train['train/loss'].toFixed(4)} train/acc_top1 ${train['train/acc_top1'].toFixed(3)} | ` +
      `val/loss ${val['val/loss'].toFixed(4)} val/acc_top1 ${val['val/acc_top1'].toFixed(3)} val/acc_top5 ${val['val/acc_top5'].toFixed(3)} val/f1_macro ${val['val/f1_macro'].toFixed(3)}`,
  );
}
console.log('confusion matrix (rows: target, columns: prediction):');
for (const row of module.confusionMatrices.val?.toArray() as number[][]) console.log(row.map((n) => String(n).padStart(4)).join(''));
await dm.close();
