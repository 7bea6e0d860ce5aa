import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Linear, Sequential } from '../torch/nn/index.js';
import { ConfigError, ShapeError } from '../errors.js';
import { assertAllClose, fixture, flat } from '../../test/fixtures/classification/load.js';
import { ClassificationModule } from './classification-module.js';
import type { ClassificationBatch, LogEntry } from './classification-module.js';
import type { ClassificationOptionsInput } from './classification-options.js';

const FEATURES = 6;

/** A tiny backbone (one Linear layer) in a module; the seed fixes its weights. */
function tinyModule(options: ClassificationOptionsInput, seed = 0): ClassificationModule {
  torch.manualSeed(seed);
  return new ClassificationModule(new Sequential(new Linear(FEATURES, options.numClasses)), options);
}

function batches(sizes: number[], numClasses: number, seed: number, soft = false): ClassificationBatch[] {
  torch.manualSeed(seed);
  return sizes.map((b) => ({
    images: torch.keep(torch.randn([b, FEATURES])),
    labels: torch.keep(
      torch.tidy(() => (soft ? torch.softmax(torch.randn([b, numClasses]).mul(3), 1) : torch.randint(0, numClasses, [b]))),
    ),
  }));
}

// ---- host-side references (independent of the metrics and losses under test) ----

function rows(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

function hostLabels(batch: ClassificationBatch): number[] {
  const l = batch.labels;
  return l.dtype === 'int64' ? flat(l) : rows(l).map((r) => r.indexOf(Math.max(...r)));
}

/** Cross-entropy with label smoothing on the host, hard or soft targets, batch mean. */
function hostLoss(logits: number[][], batch: ClassificationBatch, eps: number): number {
  const soft = batch.labels.dtype === 'int64' ? null : rows(batch.labels);
  const hard = hostLabels(batch);
  let total = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const q = soft?.[i] ?? row.map((_, c) => (c === hard[i] ? 1 : 0));
    total -= row.reduce((s, v, c) => s + (q[c] * (1 - eps) + eps / row.length) * (v - lse), 0);
  });
  return total / logits.length;
}

interface HostEpoch {
  loss: number;
  top1: number;
  topK: number;
  perClass: number[];
  f1: number;
  confusion: number[][];
}

function hostEpoch(module: ClassificationModule, data: ClassificationBatch[], k: number): HostEpoch {
  const c = module.numClasses;
  const confusion = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  let lossSum = 0;
  let n = 0;
  let inTopK = 0;
  for (const batch of data) {
    const logits = torch.tidy(() => torch.noGrad(() => rows(module.forward(batch.images))));
    lossSum += hostLoss(logits, batch, 0.1) * logits.length;
    hostLabels(batch).forEach((y, i) => {
      const order = logits[i]
        .map((v, j) => [v, j])
        .sort((a, b) => b[0] - a[0])
        .map(([, j]) => j);
      confusion[y][order[0]] += 1;
      if (order.slice(0, k).includes(y)) inTopK += 1;
    });
    n += logits.length;
  }
  const tp = confusion.map((r, i) => r[i]);
  const support = confusion.map((r) => r.reduce((s, v) => s + v, 0));
  const predicted = confusion[0].map((_, j) => confusion.reduce((s, r) => s + r[j], 0));
  const present = tp.map((_, i) => support[i] + predicted[i] > 0);
  const f1s = tp.map((t, i) => (2 * t) / (support[i] + predicted[i])).filter((_, i) => present[i]);
  return {
    loss: lossSum / n,
    top1: tp.reduce((s, v) => s + v, 0) / n,
    topK: inTopK / n,
    perClass: tp.map((t, i) => (support[i] === 0 ? 0 : t / support[i])),
    f1: f1s.reduce((s, v) => s + v, 0) / f1s.length,
    confusion,
  };
}

function close(actual: number, expected: number, what: string, tol = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

/** Read through a function so that an assertion on one read does not narrow the next. */
const weightsOf = (module: ClassificationModule): Tensor | null => module.classWeights;

function disposeLogs(logs: LogEntry[]): void {
  for (const l of logs) if (typeof l.value !== 'number') l.value.dispose();
}

// ---- loss ----

void test('computeLoss: weighted, smoothed cross-entropy equals PyTorch for int64 and soft targets', () => {
  const fx = fixture('losses');
  const module = tinyModule({ numClasses: 5 });
  module.setClassWeights(fx.weight);
  const loss = (logits: Tensor, target: Tensor) => torch.tidy(() => module.computeLoss(logits, target).item());
  assertAllClose([loss(fx.logits, fx.hard)], flat(fx['ce.w.0.1.hard.mean']), 1e-5, 'ce hard');
  assertAllClose([loss(fx.logits, fx.soft)], flat(fx['ce.w.0.1.soft.mean']), 1e-5, 'ce soft');
  module.setClassWeights(flat(fx.weight));
  assertAllClose([loss(fx.logits, fx.hard)], flat(fx['ce.w.0.1.hard.mean']), 1e-5, 'ce hard, weights as numbers');
  module.setClassWeights(null);
  assertAllClose([loss(fx.logits, fx.hard)], flat(fx['ce.none.0.1.hard.mean']), 1e-5, 'ce unweighted');

  const focal = tinyModule({ numClasses: 5, loss: { name: 'focal', gamma: 2 } });
  focal.setClassWeights(fx.weight);
  assertAllClose([torch.tidy(() => focal.computeLoss(fx.logits, fx.hard).item())], flat(fx['focal2.w.0.1.hard.mean']), 1e-5, 'focal hard');
  assertAllClose([torch.tidy(() => focal.computeLoss(fx.logits, fx.soft).item())], flat(fx['focal2.w.0.1.soft.mean']), 1e-5, 'focal soft');

  const ignoring = tinyModule({ numClasses: 5, loss: { useClassWeights: false, labelSmoothing: 0 } });
  ignoring.setClassWeights(fx.weight);
  assertAllClose(
    [torch.tidy(() => ignoring.computeLoss(fx.logits, fx.hard).item())],
    flat(fx['ce.none.0.hard.mean']),
    1e-5,
    'useClassWeights false',
  );
  for (const m of [module, focal, ignoring]) m.dispose();
});

void test('setClassWeights validates the shape; the buffer is a copy that moves with to() and stays out of the state dict', () => {
  const fx = fixture('losses');
  const module = tinyModule({ numClasses: 5 });
  const before = torch.memory().liveTensors;
  assert.throws(
    () => module.setClassWeights([1, 2, 3]),
    (e: Error) =>
      e instanceof ShapeError && e.message === 'ClassificationModule.setClassWeights: expected 5 weights (shape [5]), but got shape [3]',
  );
  assert.throws(() => torch.tidy(() => module.setClassWeights(torch.ones([5, 1]))), ShapeError);
  assert.equal(torch.memory().liveTensors, before, 'a rejected weight tensor is freed');
  assert.equal(weightsOf(module), null);

  const given = fx.weight.clone();
  module.setClassWeights(given);
  given.mul_(0);
  assertAllClose(flat(weightsOf(module) as Tensor), flat(fx.weight), 0, "the buffer does not alias the caller's tensor");
  given.dispose();
  assert.ok(!('classWeights' in module.stateDict()));

  module.to({ dtype: 'float64' });
  assert.equal(weightsOf(module)?.dtype, 'float64');
  const loss = torch.tidy(() => module.computeLoss(fx.logits.double(), fx.hard).item());
  assertAllClose([loss], flat(fx['ce.w.0.1.hard.mean']), 1e-6, 'float64 module');
  module.setClassWeights([1, 1, 1, 1, 1]);
  assert.equal(weightsOf(module)?.dtype, 'float64', "new weights take the module's dtype");
  module.dispose();
});

void test('hparams validation lists every bad key with its dotted path', () => {
  const backbone = new Sequential(new Linear(2, 2));
  const bad = {
    numClasses: 1,
    classNames: ['a', 'b'],
    loss: { name: 'focal', gamma: -1 },
    optimizer: { lr: -1, learningRate: 1e-3 },
    scheduler: { interval: 'batch' },
    extra: true,
  };
  assert.throws(
    () => new ClassificationModule(backbone, bad),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      const paths = e.issues.map((i) => i.path).sort();
      assert.deepEqual(paths, [
        'classNames',
        'extra',
        'loss.gamma',
        'numClasses',
        'optimizer.learningRate',
        'optimizer.lr',
        'scheduler.interval',
      ]);
      assert.match(e.message, /^ClassificationModule: expected valid options, but got /);
      return true;
    },
  );
  // The loss, optimizer and scheduler are registry components: an unknown name lists the registered ones.
  assert.throws(
    () => new ClassificationModule(backbone, { numClasses: 2, loss: { name: 'huber' } }),
    (e: Error) =>
      e instanceof ConfigError &&
      e.issues.length === 1 &&
      e.issues[0].path === 'loss.name' &&
      /expected one of cross_entropy, focal, but got 'huber'/.test(e.issues[0].message),
  );
  const module = new ClassificationModule(backbone, { numClasses: 2 });
  // Module-level keys, then the registered component's options with the module's defaults (lr 1e-4, smoothing 0.1).
  assert.deepEqual(module.hparams, {
    numClasses: 2,
    loss: { name: 'cross_entropy', useClassWeights: true, weight: null, labelSmoothing: 0.1, ignoreIndex: -100, reduction: 'mean' },
    optimizer: {
      name: 'adamw',
      noDecayOnNormAndBias: true,
      lr: 1e-4,
      weightDecay: 1e-4,
      betas: [0.9, 0.999],
      eps: 1e-8,
      amsgrad: false,
      maximize: false,
    },
    scheduler: { name: 'warmup_cosine', interval: 'epoch', warmupEpochs: 5, warmupStartFactor: 1e-3, etaMinFactor: 0.05 },
  });
  module.dispose();
});

// ---- hooks ----

void test('training and validation hooks log the right names and torchmetrics-style values', () => {
  const classNames = ['cat', 'dog', 'a/b', 'd', 'e', 'f', 'g'];
  const module = tinyModule({ numClasses: 7, classNames });
  const train = batches([5, 5, 5, 3], 7, 1);
  const expected = hostEpoch(module, train, 5);

  for (const [i, batch] of train.entries()) {
    const loss = torch.tidy(() => torch.keep(module.trainingStep(batch, i)));
    const logs = module.takeLogs();
    assert.equal(logs.length, 1);
    const [entry] = logs;
    assert.deepEqual({ ...entry, value: null }, { name: 'train/loss_step', value: null, onStep: true, onEpoch: false, progBar: true });
    close((entry.value as Tensor).item(), loss.item(), 'logged step loss');
    close(
      loss.item(),
      torch.tidy(() => hostLoss(rows(torch.noGrad(() => module.forward(batch.images))), batch, 0.1)),
      `step ${i} loss`,
    );
    disposeLogs(logs);
    loss.dispose();
  }
  const trainValues = module.onTrainEpochEnd();
  assert.deepEqual(Object.keys(trainValues).sort(), ['train/acc_top1', 'train/loss']);
  close(trainValues['train/loss'], expected.loss, 'train/loss');
  close(trainValues['train/acc_top1'], expected.top1, 'train/acc_top1');
  const trainLogs = module.takeLogs();
  assert.deepEqual(trainLogs.map((l) => [l.name, l.onStep, l.onEpoch, l.progBar]).sort(), [
    ['train/acc_top1', false, true, true],
    ['train/loss', false, true, true],
  ]);
  assert.equal(module.confusionMatrices.train, undefined, 'train keeps no confusion matrix');

  torch.noGrad(() =>
    train.forEach((b, i) =>
      torch.tidy(() => {
        module.validationStep(b, i);
      }),
    ),
  );
  assert.equal(module.takeLogs().length, 0, 'validation steps log nothing per step');
  const val = module.onValidationEpochEnd();
  // A class without a sample in the split ('f' here) has no per-class accuracy.
  const perClassNames = ['cat', 'dog', 'a_b', 'd', 'e', 'f', 'g'].map((n) => `val/acc_class/${n}`);
  const supported = perClassNames.filter((_, i) => expected.confusion[i].some((v) => v > 0));
  assert.ok(supported.length < perClassNames.length, 'the data leave a class out');
  assert.deepEqual(Object.keys(val).sort(), ['val/acc_top1', 'val/acc_top5', 'val/f1_macro', 'val/loss', ...supported].sort());
  close(val['val/loss'], expected.loss, 'val/loss');
  close(val['val/acc_top1'], expected.top1, 'val/acc_top1');
  close(val['val/acc_top5'], expected.topK, 'val/acc_top5');
  close(val['val/f1_macro'], expected.f1, 'val/f1_macro');
  perClassNames.forEach((n, i) => supported.includes(n) && close(val[n], expected.perClass[i], n));
  const valLogs = module.takeLogs();
  assert.equal(valLogs.length, Object.keys(val).length);
  for (const l of valLogs) {
    assert.equal(typeof l.value, 'number');
    assert.deepEqual([l.onStep, l.onEpoch, l.progBar], [false, true, l.name === 'val/loss' || l.name === 'val/acc_top1'], l.name);
  }
  const cm = module.confusionMatrices.val as Tensor;
  assert.deepEqual(cm.toArray(), expected.confusion);

  // The metrics were reset: the next epoch sees only its own batch, and its matrix replaces (and frees) the old one.
  const next = batches([6], 7, 2);
  const nextExpected = hostEpoch(module, next, 5);
  torch.noGrad(() =>
    torch.tidy(() => {
      module.validationStep(next[0], 0);
    }),
  );
  const again = module.onValidationEpochEnd();
  close(again['val/acc_top1'], nextExpected.top1, 'val/acc_top1 after reset');
  close(again['val/loss'], nextExpected.loss, 'val/loss after reset');
  assert.ok(cm.isDisposed, 'the previous confusion matrix is disposed');
  assert.deepEqual((module.confusionMatrices.val as Tensor).toArray(), nextExpected.confusion);
  module.takeLogs();
  for (const b of [...train, ...next]) torch.dispose([b.images, b.labels]);
  module.dispose();
});

void test('test and predict hooks; soft targets use argmax labels for metrics; C < 5 uses k = C', () => {
  const module = tinyModule({ numClasses: 3 });
  const soft = batches([4, 4], 3, 3, true);
  const expected = hostEpoch(module, soft, 3);
  torch.noGrad(() =>
    soft.forEach((b, i) =>
      torch.tidy(() => {
        module.testStep(b, i);
      }),
    ),
  );
  const values = module.onTestEpochEnd();
  assert.deepEqual(Object.keys(values).sort(), [
    'test/acc_class/0',
    'test/acc_class/1',
    'test/acc_class/2',
    'test/acc_top1',
    'test/acc_top3',
    'test/f1_macro',
    'test/loss',
  ]);
  close(values['test/loss'], expected.loss, 'test/loss with soft targets');
  close(values['test/acc_top1'], expected.top1, 'test/acc_top1 with argmax labels');
  close(values['test/acc_top3'], 1, 'top-3 of 3 classes');
  assert.deepEqual((module.confusionMatrices.test as Tensor).toArray(), expected.confusion);
  module.takeLogs();

  const { probs, preds } = torch.noGrad(() => module.predictStep({ images: soft[0].images }, 0));
  const logits = torch.tidy(() => rows(torch.noGrad(() => module.forward(soft[0].images))));
  assert.deepEqual(
    flat(preds),
    logits.map((r) => r.indexOf(Math.max(...r))),
  );
  rows(probs).forEach((r, i) => {
    close(
      r.reduce((s, v) => s + v, 0),
      1,
      `probs row ${i} sums to 1`,
    );
    const e = logits[i].map((v) => Math.exp(v));
    r.forEach((p, j) => close(p, e[j] / e.reduce((s, v) => s + v, 0), `probs[${i}][${j}]`));
  });
  torch.dispose([probs, preds, ...soft.flatMap((b) => [b.images, b.labels])]);
  module.dispose();
});

void test('a train + val epoch of 20 steps leaves live tensors flat', () => {
  const module = tinyModule({ numClasses: 4, loss: { name: 'focal' } });
  module.setClassWeights([1, 2, 1, 0.5]);
  const data = batches(
    Array.from({ length: 20 }, () => 4),
    4,
    4,
  );
  const { optimizer, scheduler } = module.configureOptimizers({ maxEpochs: 3 });
  const epoch = () => {
    module.train();
    data.forEach((b, i) =>
      torch.tidy(() => {
        module.trainingStep(b, i).backward();
        optimizer.step();
        optimizer.zeroGrad();
      }),
    );
    module.onTrainEpochEnd();
    module.eval();
    torch.noGrad(() =>
      data.forEach((b, i) =>
        torch.tidy(() => {
          module.validationStep(b, i);
        }),
      ),
    );
    module.onValidationEpochEnd();
    disposeLogs(module.takeLogs());
    if (scheduler !== null && !('mode' in scheduler)) scheduler.step();
  };
  epoch(); // creates the optimizer state and the first confusion matrix
  const before = torch.memory().liveTensors;
  epoch();
  assert.equal(torch.memory().liveTensors, before);
  optimizer.dispose();
  for (const b of data) torch.dispose([b.images, b.labels]);
  module.dispose();
});
