// The multi-tensor step (`foreach`, one native call per param group) against
// the per-parameter one, bit for bit, over several steps of a mixed set:
// shapes from a scalar to a tensor past one thread's range, contiguous and
// channels-last parameters, two groups with their own lr and weight decay, a
// parameter without a gradient, and tensors the fused update cannot take (a
// strided view, float64, a channels-last weight with a contiguous gradient)
// that fall back to the per-op path. The per-parameter path also runs
// against PyTorch's fixtures here; optimizers.test.ts runs the default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STEPS, assertClose, fixture, initialParams, optimizerConfigs, setGrads } from '../../../test/fixtures/optim/load.js';
import * as torch from '../index.js';
import { Tensor } from '../tensor.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import type { Optimizer, OptimizerOptions, ParamGroupInput, StepOptions } from './optimizer.js';
import { SGD } from './sgd.js';

type Groups = [Tensor[], Tensor[]];
type Make = (groups: Groups, step: StepOptions) => Optimizer;

const fx = fixture('optimizers');

/** [shape, layout]: 36864 and 40000 elements cross the native update's 32768-element ranges, so ranges split rows. */
const SPECS: [number[], 'contiguous' | 'channelsLast' | 'view' | 'float64' | 'mixedLayout'][] = [
  [[64, 64, 3, 3], 'channelsLast'],
  [[7], 'contiguous'],
  [[1], 'contiguous'],
  [[10, 33], 'contiguous'],
  [[8, 3, 5, 5], 'contiguous'],
  [[5, 6], 'view'],
  [[4, 3], 'float64'],
  [[6, 2, 3, 3], 'mixedLayout'],
  [[40000], 'contiguous'],
  [[2, 4, 3, 3], 'channelsLast'],
];
const NO_GRAD_AT = new Map([
  [1, [0, 2]],
  [4, [3]],
]); // param index -> steps without a gradient

function makeParam(shape: number[], layout: string): Tensor {
  return torch.noGrad(() => {
    const init = torch.randn(shape, { dtype: layout === 'float64' ? 'float64' : 'float32' });
    if (layout === 'channelsLast' || layout === 'mixedLayout') return init.contiguous('channelsLast').requiresGrad_(true);
    // Every other element of a wider tensor: not dense, so not fusable.
    if (layout === 'view') return torch.stack([init, init], -1).select(-1, 0).requiresGrad_(true);
    return init.requiresGrad_(true);
  });
}

function setStepGrads(params: Tensor[], step: number, seed: number): void {
  torch.manualSeed(seed * 1000 + step);
  params.forEach((p, i) => {
    const skip = NO_GRAD_AT.get(i)?.includes(step) ?? false;
    const g = torch.noGrad(() => torch.randn(p.shape, { dtype: p.dtype }).mul_(0.1));
    // The gradient autograd gives a channels-last weight is channels-last; a contiguous one is not fusable with it.
    p.grad = skip ? null : SPECS[i][1] === 'channelsLast' ? g.contiguous('channelsLast') : g;
  });
}

/** Runs `steps` steps from the same start and gradients; returns the parameters and the state dict's tensors. */
function trajectory(make: Make, step: StepOptions, seed: number): { params: Tensor[]; state: Record<string, Tensor | number | null> } {
  torch.manualSeed(seed);
  const params = SPECS.map(([shape, layout]) => makeParam(shape, layout));
  const opt = make([params.filter((_, i) => i % 2 === 0), params.filter((_, i) => i % 2 === 1)], step);
  for (let k = 0; k < 5; k++) {
    setStepGrads(params, k, seed);
    opt.step();
    // A learning-rate schedule changes a group's scalars between steps.
    opt.paramGroups[0].lr *= 0.9;
  }
  const state: Record<string, Tensor | number | null> = {};
  for (const [index, s] of Object.entries(opt.stateDict().state)) {
    for (const [key, value] of Object.entries(s)) state[`${index}.${key}`] = value instanceof Tensor ? value.clone() : value;
  }
  opt.dispose();
  return { params, state };
}

const bits = (t: Tensor): number[] => {
  const data = t.contiguous().data();
  return Array.from(data instanceof Float64Array ? new Uint32Array(data.buffer) : new Uint32Array((data as Float32Array).buffer));
};

function assertSameBits(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  assert.equal(a.dtype, b.dtype, what);
  const x = bits(a);
  const y = bits(b);
  const first = x.findIndex((v, i) => v !== y[i]);
  assert.equal(first, -1, `${what}: element ${first} differs`);
}

function groups<O extends OptimizerOptions>(two: Groups, second: Partial<O>): ParamGroupInput<O>[] {
  return [{ params: two[0] }, { params: two[1], ...second }] as ParamGroupInput<O>[];
}

const CONFIGS: Record<string, Make> = {
  adamw: (g, s) => new AdamW(groups(g, { lr: 3e-3, weightDecay: 0.3 }), { lr: 1e-2, weightDecay: 0.05, ...s }),
  adamw_amsgrad_maximize: (g, s) =>
    new AdamW(groups(g, { lr: 2e-3, weightDecay: 0 }), { lr: 1e-2, amsgrad: true, maximize: true, betas: [0.8, 0.99], ...s }),
  adam_l2: (g, s) => new Adam(groups(g, { lr: 5e-3, weightDecay: 0 }), { lr: 1e-2, weightDecay: 0.1, eps: 1e-6, ...s }),
  sgd_nesterov_wd: (g, s) =>
    new SGD(groups(g, { lr: 0.05, weightDecay: 0.1 }), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-2, ...s }),
  sgd_plain_maximize: (g, s) => new SGD(groups(g, { lr: 0.02 }), { lr: 0.05, maximize: true, ...s }),
  sgd_dampening: (g, s) => new SGD(groups(g, { lr: 0.03, momentum: 0.5 }), { lr: 0.1, momentum: 0.9, dampening: 0.2, ...s }),
};

for (const [name, make] of Object.entries(CONFIGS)) {
  void test(`${name}: the multi-tensor step equals the per-parameter step bit for bit, fallbacks included`, () => {
    const foreach = trajectory(make, { foreach: true }, 7);
    const single = trajectory(make, { foreach: false }, 7);
    torch.manualSeed(7);
    const start = SPECS.map(([shape, layout]) => makeParam(shape, layout));
    foreach.params.forEach((p, i) => {
      assertSameBits(p, single.params[i], `${name} p${i} (${SPECS[i][1]})`);
      // Every parameter moved, the ones the fused update cannot take included (they fell back, not skipped).
      assert.ok(torch.noGrad(() => p.sub(start[i]).abs().max().item()) > 0, `${name} p${i} moved`);
    });
    assert.deepEqual(Object.keys(foreach.state).sort(), Object.keys(single.state).sort());
    for (const [key, value] of Object.entries(foreach.state)) {
      const other = single.state[key];
      if (value instanceof Tensor) assertSameBits(value, other as Tensor, `${name} state ${key}`);
      else assert.equal(value, other, `${name} state ${key}`);
    }
  });
}

// Parameters that share memory (one listed twice, views of one tensor that overlap) cannot be written by
// two threads at once: the later listing is updated after the group's native call, as the per-parameter
// step orders them.
void test('parameters sharing memory: the later listing steps after the earlier one, as parameter by parameter', () => {
  const run = (make: (params: Tensor[]) => Optimizer, foreach: boolean): number[] => {
    torch.manualSeed(11);
    const base = torch.randn([12]);
    const views = torch.noGrad(() => [base.narrow(0, 0, 8), base.narrow(0, 4, 8), base.narrow(0, 8, 4)]);
    const params = [...views.map((v) => v.requiresGrad_(true)), views[0]];
    const opt = make(params);
    opt.foreach = foreach;
    for (let k = 0; k < 3; k++) {
      for (const p of params) p.grad = torch.randn(p.shape);
      opt.step();
    }
    opt.dispose();
    return bits(base);
  };
  const adamw = (params: Tensor[]) => new AdamW(params, { lr: 0.1, weightDecay: 0.1 });
  const sgd = (params: Tensor[]) => new SGD(params, { lr: 0.1, momentum: 0.9 });
  for (const make of [adamw, sgd]) assert.deepEqual(run(make, true), run(make, false));
});

void test('the parameter without a gradient at a step is skipped: its step count is one less', () => {
  const { state } = trajectory(CONFIGS.adamw, { foreach: true }, 3);
  // Group 0 holds params 0, 2, 4, ... (state index 0..4), group 1 params 1, 3, ... (index 5..9).
  assert.equal(state['0.step'], 5);
  assert.equal(state['2.step'], 4, 'param 4 had no gradient at step 3');
  assert.equal(state['5.step'], 3, 'param 1 had no gradient at steps 0 and 2');
});

for (const [name, make] of Object.entries(optimizerConfigs)) {
  void test(`${name}, parameter by parameter (foreach false), matches PyTorch for ${STEPS} steps`, () => {
    const params = initialParams();
    const opt = make([params.slice(0, 2), params.slice(2)]);
    opt.foreach = false;
    for (let k = 0; k < STEPS; k++) {
      setGrads(params, k);
      opt.step();
      params.forEach((p, i) => assertClose(p, fx[`${name}.${k}.p${i}`], 1e-6, `${name} step ${k} p${i}`));
    }
    opt.dispose();
  });
}

void test('foreach is not a param-group option: the state dict keeps its layout', () => {
  const w = torch.zeros([2], { requiresGrad: true });
  const opt = new AdamW([w], { lr: 0.1, foreach: false });
  assert.equal(opt.foreach, false);
  assert.equal('foreach' in opt.paramGroups[0], false);
  assert.equal('foreach' in opt.defaults, false);
  assert.equal(new SGD([w], { lr: 0.1 }).foreach, true);
});
