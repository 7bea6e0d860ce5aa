// The Optimizer base: param groups, zeroGrad, errors, and a state-dict
// round trip through a safetensors buffer that continues exactly like an
// uninterrupted PyTorch run (fixtures: scripts/fixtures/optim.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STEPS, assertClose, fixture, initialParams, optimizerConfigs, setGrads } from '../../../test/fixtures/optim/load.js';
import { ConfigError, ShapeError } from '../../errors.js';
import { zeros } from '../ops/creation.js';
import { parseSafetensors, serializeSafetensors } from '../serialization/safetensors.js';
import { Tensor } from '../tensor.js';
import { flattenStateDict, unflattenStateDict } from './flatten-state-dict.js';
import type { OptimizerStateDict } from './optimizer.js';
import { SGD } from './sgd.js';
import { AdamW } from './adamw.js';

const fx = fixture('optimizers');

for (const name of ['sgd_nesterov_wd', 'adam_amsgrad_wd', 'adamw_amsgrad']) {
  void test(`${name}: save after 3 steps, load into a fresh optimizer, continue like PyTorch`, () => {
    const make = optimizerConfigs[name];
    const params = initialParams();
    const opt = make([params.slice(0, 2), params.slice(2)]);
    for (let k = 0; k < 3; k++) {
      setGrads(params, k);
      opt.step();
    }
    const flat = flattenStateDict(opt.stateDict(), { prefix: 'optimizer.' });
    const weights = Object.fromEntries(params.map((p, i) => [`p${i}`, p.detach()]));
    const bytes = serializeSafetensors({ ...weights, ...flat.tensors }, { optimizer: flat.json });
    opt.dispose();

    const loaded = parseSafetensors(bytes);
    const fresh = [0, 1, 2].map((i) => loaded.tensors[`p${i}`].clone().requiresGrad_(true));
    const resumed = make([fresh.slice(0, 2), fresh.slice(2)]);
    resumed.loadStateDict(unflattenStateDict<OptimizerStateDict>(loaded.tensors, loaded.metadata.optimizer));
    for (let k = 3; k < STEPS; k++) {
      setGrads(fresh, k);
      resumed.step();
      fresh.forEach((p, i) => assertClose(p, fx[`${name}.${k}.p${i}`], 1e-6, `${name} resumed step ${k} p${i}`));
    }
  });
}

void test('stateDict uses PyTorch layout: state by parameter index, groups with options and index lists', () => {
  const params = initialParams();
  const opt = optimizerConfigs.adamw_default([params.slice(0, 2), params.slice(2)]);
  setGrads(params, 2); // p1 has no gradient at step 2: no state for it
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state), ['0', '2']);
  assert.equal(sd.state[0].step, 1);
  assert.ok(sd.state[0].expAvg instanceof Tensor);
  assert.deepEqual(
    sd.paramGroups.map((g) => g.params),
    [[0, 1], [2]],
  );
  assert.deepEqual(sd.paramGroups[1], {
    lr: 3e-2,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 1e-2,
    amsgrad: false,
    maximize: false,
    params: [2],
  });
  const flat = flattenStateDict(sd);
  assert.deepEqual(Object.keys(flat.tensors).sort(), ['state.0.expAvg', 'state.0.expAvgSq', 'state.2.expAvg', 'state.2.expAvgSq']);
});

void test('loadStateDict rejects a state dict for other groups', () => {
  const a = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
  const b = new SGD([{ params: [zeros([2], { requiresGrad: true })] }, { params: [zeros([1], { requiresGrad: true })] }], { lr: 0.1 });
  assert.throws(() => a.loadStateDict(b.stateDict()), ShapeError);
});

void test('addParamGroup fills defaults and rejects duplicates; options are checked', () => {
  const w = zeros([2], { requiresGrad: true });
  const opt = new AdamW([w], { lr: 0.01 });
  const v = zeros([3], { requiresGrad: true });
  opt.addParamGroup({ params: [v], weightDecay: 0 });
  assert.equal(opt.paramGroups[1].lr, 0.01);
  assert.equal(opt.paramGroups[1].weightDecay, 0);
  assert.throws(() => opt.addParamGroup({ params: [w] }), ConfigError);
  assert.throws(() => new SGD([w], { lr: -1 }), /SGD: expected lr a number >= 0, but got -1/);
  assert.throws(() => new AdamW([w], { betas: [1, 0.9] }), /expected betas\[0\] in \[0, 1\)/);
  assert.throws(() => new SGD([], { lr: 0.1 }), ConfigError);
});

void test('zeroGrad sets grads to null, or to zeros with setToNone false', () => {
  const w = zeros([2], { requiresGrad: true });
  const opt = new SGD([w], { lr: 0.1 });
  w.grad = zeros([2]).fill_(3);
  opt.zeroGrad({ setToNone: false });
  assert.deepEqual(Array.from(w.grad?.data() as Float32Array), [0, 0]);
  opt.zeroGrad();
  assert.equal(w.grad, null);
});
