/**
 * A ResNet18 on Fashion-MNIST (Debian's dataset-fashion-mnist) with the
 * Trainer, from code: the same run `classifier-training train` makes from
 * the config, in a dozen lines. Short by default; raise the limits for a real run.
 *
 *   node --import tsx examples/train-fashion-mnist.ts                 # 100 train batches, 20 val batches
 *   TRAIN_BATCHES=0 EPOCHS=4 node --import tsx examples/train-fashion-mnist.ts   # whole epochs
 */
import { Trainer, callbacks, data, models } from '../src/index.js';

const epochs = Number(process.env.EPOCHS ?? 1);
const trainBatches = Number(process.env.TRAIN_BATCHES ?? 100);

const dm = new data.ImageClassificationDataModule({ root: 'fashion-mnist', batchSize: 128 });
await dm.setup('fit');
const module = new models.ClassificationModule(models.resnet18({ numClasses: dm.numClasses, inChannels: 1 }), {
  numClasses: dm.numClasses,
  classNames: [...dm.idxToClass],
  optimizer: { lr: 2e-3 },
  scheduler: { warmupEpochs: 0.1, interval: 'step' },
});
const trainer = new Trainer({
  maxEpochs: epochs,
  precision: 'bf16-mixed',
  seed: 42,
  limitTrainBatches: trainBatches > 0 ? trainBatches : null,
  limitValBatches: trainBatches > 0 ? 20 : null,
  callbacks: [new callbacks.ConfusionMatrix(), new callbacks.TrainingHistory(), new callbacks.RunReport()],
});
await trainer.fit(module, dm);
const [test] = await trainer.test(module, dm, { ckptPath: 'best' });
console.log(`test/acc_top1 ${test['test/acc_top1'].toFixed(4)}; run directory ${trainer.runDir}`);
await dm.close();
