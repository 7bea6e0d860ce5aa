// Every scheduler's lr (and momentum) trajectory against PyTorch 1.13
// (fixtures: scripts/fixtures/optim.py, SCHEDULERS), and resuming from
// state dicts mid-schedule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRelClose, fixture } from '../../../../test/fixtures/optim/load.js';
import { zeros } from '../../ops/creation.js';
import { Adam } from '../adam.js';
import { SGD } from '../sgd.js';
import type { Optimizer, OptimizerStateDict } from '../optimizer.js';
import { flattenStateDict, unflattenStateDict } from '../flatten-state-dict.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { LinearLR } from './linear-lr.js';
import { MultiStepLR } from './multi-step-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SequentialLR } from './sequential-lr.js';
import { StepLR } from './step-lr.js';
import type { LRScheduler, SchedulerStateDict } from './lr-scheduler.js';

const fx = fixture('schedulers');
const LRS = [0.1, 0.05];
const STEPS = 30;
const metrics = Array.from(fx.metrics.data() as Float64Array);

type Scheduler = LRScheduler | SequentialLR | ReduceLROnPlateau;

function makeOpt(kind: 'sgd' | 'adam'): Optimizer {
  const groups = [{ params: [zeros([2], { requiresGrad: true })] }, { params: [zeros([3], { requiresGrad: true })], lr: LRS[1] }];
  return kind === 'adam' ? new Adam(groups, { lr: LRS[0], betas: [0.9, 0.99] }) : new SGD(groups, { lr: LRS[0], momentum: 0.9 });
}

const configs: Record<string, [kind: 'sgd' | 'adam', build: (o: Optimizer) => Scheduler]> = {
  step_lr: ['sgd', (o) => new StepLR(o, { stepSize: 7, gamma: 0.5 })],
  multi_step_lr: ['sgd', (o) => new MultiStepLR(o, { milestones: [5, 12, 12, 20], gamma: 0.3 })],
  linear_lr: ['sgd', (o) => new LinearLR(o, { startFactor: 0.25, endFactor: 1, totalIters: 8 })],
  linear_lr_down: ['sgd', (o) => new LinearLR(o, { startFactor: 1, endFactor: 0.1, totalIters: 12 })],
  cosine: ['sgd', (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 })],
  warmup_cosine: [
    'sgd',
    (o) =>
      new SequentialLR(o, {
        schedulers: [
          new LinearLR(o, { startFactor: 1e-3, totalIters: 5 }),
          new CosineAnnealingLR(o, { tMax: STEPS - 5, etaMin: LRS[0] * 0.05 }),
        ],
        milestones: [5],
      }),
  ],
  sequential3: [
    'sgd',
    (o) =>
      new SequentialLR(o, {
        schedulers: [
          new StepLR(o, { stepSize: 3, gamma: 0.5 }),
          new LinearLR(o, { startFactor: 0.5, endFactor: 1, totalIters: 4 }),
          new CosineAnnealingLR(o, { tMax: 8 }),
        ],
        milestones: [6, 12],
      }),
  ],
  one_cycle: ['sgd', (o) => new OneCycleLR(o, { maxLr: [0.1, 0.2], totalSteps: STEPS })],
  plateau_min_rel: [
    'sgd',
    (o) => new ReduceLROnPlateau(o, { mode: 'min', factor: 0.5, patience: 2, threshold: 0.01, cooldown: 1, minLr: [0.001, 0.004] }),
  ],
  plateau_max_abs: [
    'sgd',
    (o) => new ReduceLROnPlateau(o, { mode: 'max', factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: 'abs' }),
  ],
  one_cycle_adam_linear3: [
    'adam',
    (o) =>
      new OneCycleLR(o, {
        maxLr: 0.01,
        epochs: 3,
        stepsPerEpoch: 10,
        pctStart: 0.25,
        annealStrategy: 'linear',
        threePhase: true,
        baseMomentum: 0.8,
        maxMomentum: 0.9,
      }),
  ],
};

function rows(name: string, what: 'lr' | 'momentum'): number[][] {
  const t = fx[`${name}.${what}`];
  const flat = Array.from(t.data() as Float64Array);
  return Array.from({ length: t.shape[0] }, (_, i) => flat.slice(i * 2, i * 2 + 2));
}

function momenta(o: Optimizer): number[] {
  return o.paramGroups.map((g) => {
    const r = g as unknown as { betas?: number[]; momentum?: number };
    return r.betas?.[0] ?? (r.momentum as number);
  });
}

/** Advances one scheduler step the way the fixture does. */
function advance(s: Scheduler, k: number): void {
  if (s instanceof ReduceLROnPlateau) s.step(metrics[k]);
  else s.step();
}

for (const [name, [kind, build]] of Object.entries(configs)) {
  void test(`${name} lr trajectory matches PyTorch`, () => {
    const lr = rows(name, 'lr');
    const mom = rows(name, 'momentum');
    const opt = makeOpt(kind);
    const s = build(opt);
    for (let k = 0; k < lr.length; k++) {
      if (k > 0) advance(s, k);
      assertRelClose(
        opt.paramGroups.map((g) => g.lr),
        lr[k],
        1e-6,
        `${name} lr at step ${k}`,
      );
      assertRelClose(s.getLastLr(), lr[k], 1e-6, `${name} getLastLr at step ${k}`);
      assertRelClose(momenta(opt), mom[k], 1e-6, `${name} momentum at step ${k}`);
    }
  });

  void test(`${name} resumes from state dicts after 3 steps`, () => {
    const lr = rows(name, 'lr');
    const mom = rows(name, 'momentum');
    const first = makeOpt(kind);
    const s1 = build(first);
    for (let k = 1; k <= 3; k++) advance(s1, k);
    // Through JSON, as a checkpoint would store them.
    const optFlat = flattenStateDict(first.stateDict());
    const schedJson = flattenStateDict(s1.stateDict()).json;
    const opt = makeOpt(kind);
    const s2 = build(opt);
    opt.loadStateDict(unflattenStateDict<OptimizerStateDict>(optFlat.tensors, optFlat.json));
    s2.loadStateDict(unflattenStateDict<SchedulerStateDict>({}, schedJson));
    assertRelClose(s2.getLastLr(), lr[3], 1e-6, `${name} getLastLr after load`);
    for (let k = 4; k < lr.length; k++) {
      advance(s2, k);
      assertRelClose(
        opt.paramGroups.map((g) => g.lr),
        lr[k],
        1e-6,
        `${name} resumed lr at step ${k}`,
      );
      assertRelClose(momenta(opt), mom[k], 1e-6, `${name} resumed momentum at step ${k}`);
    }
  });
}

void test('OneCycleLR throws when stepped past totalSteps', () => {
  const s = new OneCycleLR(makeOpt('sgd'), { maxLr: 0.1, totalSteps: 3 });
  for (let k = 0; k < 3; k++) s.step();
  assert.throws(() => s.step(), /expected at most 3 steps/);
});

void test('a resumed scheduler needs initialLr in the param groups', () => {
  assert.throws(() => new StepLR(makeOpt('sgd'), { stepSize: 2, lastEpoch: 4 }), /expected initialLr in paramGroups\[0\]/);
});

test('CosineAnnealingLR with one etaMin per group gives each group what a scheduler of its own with that etaMin gives', () => {
  const both = makeOpt('sgd');
  const alone = LRS.map((lr) => new SGD([zeros([2], { requiresGrad: true })], { lr, momentum: 0.9 }));
  const sequential = (o: Optimizer, etaMin: number | number[]): SequentialLR =>
    new SequentialLR(o, {
      schedulers: [new LinearLR(o, { startFactor: 0.01, totalIters: 4 }), new CosineAnnealingLR(o, { tMax: 20, etaMin })],
      milestones: [4],
    });
  const mixed = sequential(both, [LRS[0] * 0.1, LRS[1] * 0.1]);
  const single = alone.map((o, i) => sequential(o, LRS[i] * 0.1));
  for (let step = 0; step < STEPS; step++) {
    assert.deepEqual(
      both.paramGroups.map((g) => g.lr),
      alone.map((o) => o.paramGroups[0].lr),
      `step ${step}`,
    );
    mixed.step();
    single.forEach((s) => s.step());
  }
  assert.throws(
    () => new CosineAnnealingLR(makeOpt('sgd'), { tMax: 5, etaMin: [0] }),
    /expected etaMin\.length 2 \(one per param group\), but got 1/,
  );
});
