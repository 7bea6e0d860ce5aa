import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdamW, SGD } from '../../torch/optim/index.js';
import { registry } from '../../registry.js';
import { ConfigError } from '../../errors.js';
import { fakeTrainer, tinyModule } from './fake-trainer.test-helper.js';
import { LearningRateMonitor } from './learning-rate-monitor.js';

const context = { batch: {} as never, batchIdx: 0 };

test('one param group: lr-<Optimizer> on every train batch start, with onStep', () => {
  const module = tinyModule();
  const trainer = fakeTrainer({ optimizer: new AdamW(module.parameters(), { lr: 0.003 }) });
  const monitor = new LearningRateMonitor();
  monitor.onTrainEpochStart(trainer);
  assert.equal(trainer.logged.length, 0);
  monitor.onTrainBatchStart(trainer, module, context);
  trainer.optimizer!.paramGroups[0].lr = 0.0015; // a scheduler stepped
  monitor.onTrainBatchStart(trainer, module, context);
  assert.deepEqual(
    trainer.logged.map((l) => [l.name, l.value, l.options?.onStep]),
    [
      ['lr-AdamW', 0.003, true],
      ['lr-AdamW', 0.0015, true],
    ],
  );
});

test('several groups get Lightning /pgN suffixes (1-based), momentum from betas[0] or momentum', () => {
  const module = tinyModule();
  const [w, ...rest] = module.parameters();
  const sgd = new SGD([{ params: [w], lr: 0.1 }, { params: rest }], { lr: 0.01, momentum: 0.9 });
  const trainer = fakeTrainer({ optimizer: sgd });
  const monitor = new LearningRateMonitor({ loggingInterval: 'epoch', logMomentum: true });
  monitor.onTrainBatchStart(trainer, module, context);
  assert.equal(trainer.logged.length, 0);
  monitor.onTrainEpochStart(trainer);
  assert.deepEqual(Object.fromEntries(trainer.logged.map((l) => [l.name, l.value])), {
    'lr-SGD/pg1': 0.1,
    'lr-SGD-momentum/pg1': 0.9,
    'lr-SGD/pg2': 0.01,
    'lr-SGD-momentum/pg2': 0.9,
  });
  const adam = new AdamW(module.parameters(), { lr: 1e-3, betas: [0.85, 0.99] });
  assert.deepEqual(monitor.extract({ optimizer: adam }), { 'lr-AdamW': 1e-3, 'lr-AdamW-momentum': 0.85 });
});

test('named groups (fine-tuning) are logged as lr-<Optimizer>/<name>, a name shared by two groups once', () => {
  const module = tinyModule();
  const [w, b, ...rest] = module.parameters();
  const groups = [
    { params: [w], lr: 0.1, name: 'head' },
    { params: [b], lr: 0.1, weightDecay: 0, name: 'head' },
    { params: rest, lr: 0.025, name: 'group0' },
  ];
  const sgd = new SGD(groups, { lr: 0.1, momentum: 0.9 });
  const monitor = new LearningRateMonitor({ loggingInterval: 'epoch', logMomentum: true });
  assert.deepEqual(monitor.extract({ optimizer: sgd }), {
    'lr-SGD/head': 0.1,
    'lr-SGD-momentum/head': 0.9,
    'lr-SGD/group0': 0.025,
    'lr-SGD-momentum/group0': 0.9,
  });
});

test('no optimizer: nothing logged; no logger: a warning at train start', () => {
  const trainer = fakeTrainer();
  const monitor = new LearningRateMonitor();
  monitor.onTrainStart(trainer);
  monitor.onTrainBatchStart(trainer, tinyModule(), context);
  assert.equal(trainer.logged.length, 0);
  assert.match(trainer.printed[0], /LearningRateMonitor: expected at least one logger/);
});

test('registered as learning_rate_monitor; the schema rejects unknown intervals', () => {
  const built = registry.build<LearningRateMonitor>('callback', 'learning_rate_monitor', { loggingInterval: 'epoch' });
  assert.ok(built instanceof LearningRateMonitor);
  assert.equal(built.loggingInterval, 'epoch');
  assert.throws(() => registry.build('callback', 'learning_rate_monitor', { loggingInterval: 'batch' }), ConfigError);
});

test('bad options are a ConfigError naming the component', () => {
  assert.throws(
    () => new LearningRateMonitor({ loggingInterval: 'batch' as never }),
    /LearningRateMonitor: expected valid options, but got loggingInterval/,
  );
});
