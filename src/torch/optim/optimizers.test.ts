// SGD, Adam and AdamW against PyTorch 1.13 step by step (fixtures:
// scripts/fixtures/optim.py): two param groups with different options,
// and a step where one parameter has no gradient (it must not move).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STEPS, assertClose, fixture, initialParams, optimizerConfigs, setGrads } from '../../../test/fixtures/optim/load.js';
import { native } from '../binding.js';
import * as torch from '../index.js';
import { memory } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

const fx = fixture('optimizers');

for (const [name, make] of Object.entries(optimizerConfigs)) {
  void test(`${name} matches PyTorch for ${STEPS} steps`, () => {
    const params = initialParams();
    const opt = make([params.slice(0, 2), params.slice(2)]);
    for (let k = 0; k < STEPS; k++) {
      setGrads(params, k);
      opt.step();
      params.forEach((p, i) => assertClose(p, fx[`${name}.${k}.p${i}`], 1e-6, `${name} step ${k} p${i}`));
    }
    opt.dispose();
  });
}

void test('a step leaks no tensors', () => {
  const params = initialParams();
  const opt = optimizerConfigs.adamw_amsgrad([params.slice(0, 2), params.slice(2)]);
  setGrads(params, 0);
  opt.step();
  const before = memory().liveTensors;
  for (let k = 0; k < 5; k++) opt.step();
  assert.equal(memory().liveTensors, before);
  opt.zeroGrad();
  assert.equal(params[0].grad, null);
});

// Contiguous and channels-last float32 CPU parameters take the fused native update (native/optim.cc); the
// per-op path stays for everything else. Both must give PyTorch's numbers.
void test('SGD/Adam/AdamW: the fused update and the per-op path both match PyTorch; channels-last takes the fused one too', () => {
  assert.equal(native.adamStep(...fusedArgs(torch.zeros([2, 3]))), true, 'contiguous float32: fused');
  assert.equal(native.adamStep(...fusedArgs(torch.zeros([2, 3, 4, 5]).contiguous('channelsLast'))), true, 'channels-last: fused');
  assert.equal(native.adamStep(...fusedArgs(torch.zeros([2, 3], { dtype: 'float64' }))), false, 'float64: per-op');
  assert.equal(native.adamStep(...fusedArgs(torch.zeros([3, 4, 2]).select(2, 0))), false, 'a strided view: per-op');
  assert.equal(native.sgdStep(...sgdArgs(torch.zeros([2, 3, 4, 5]).contiguous('channelsLast'))), true, 'SGD channels-last: fused');
  assert.equal(native.sgdStep(...sgdArgs(torch.zeros([3, 4, 2]).select(2, 0))), false, 'SGD strided view: per-op');
  for (const name of Object.keys(optimizerConfigs)) {
    // Each parameter as a strided view (every other element of a wider tensor): not dense, so per-op.
    const params = initialParams().map((p) =>
      torch.noGrad(() => torch.stack([p.detach(), p.detach()], -1).select(-1, 0).requiresGrad_(true)),
    );
    assert.equal(params[0].isContiguous(), false);
    const opt = optimizerConfigs[name]([params.slice(0, 2), params.slice(2)]);
    for (let k = 0; k < STEPS; k++) {
      setGrads(params, k);
      opt.step();
      params.forEach((p, i) => assertClose(p, fx[`${name}.${k}.p${i}`], 1e-6, `${name} (per-op) step ${k} p${i}`));
    }
    opt.dispose();
  }
  // A channels-last 4-D parameter steps exactly as its contiguous twin.
  const init = torch.randn([4, 3, 5, 5]);
  const grads = Array.from({ length: 4 }, () => torch.randn([4, 3, 5, 5]));
  const run = (format: 'contiguous' | 'channelsLast', make: (p: Tensor) => Optimizer) => {
    const p = init.detach().contiguous(format).clone().requiresGrad_(true);
    const opt = make(p);
    for (const g of grads) {
      p.grad = g.contiguous(format);
      opt.step();
    }
    opt.dispose();
    return p.contiguous().data() as Float32Array;
  };
  const adamw = (p: Tensor) => new AdamW([p], { lr: 0.01, weightDecay: 0.1, amsgrad: true });
  // The moments of a channels-last weight are channels-last too, so its steps are fused.
  const weight = init.detach().contiguous('channelsLast').clone().requiresGrad_(true);
  const probe = adamw(weight);
  weight.grad = grads[0].contiguous('channelsLast');
  probe.step();
  assert.equal((probe.stateDict().state[0].expAvg as Tensor).isContiguous('channelsLast'), true);
  probe.dispose();
  assert.deepEqual(run('channelsLast', adamw), run('contiguous', adamw));
  const sgd = (p: Tensor) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
  assert.deepEqual(run('channelsLast', sgd), run('contiguous', sgd));
});

function sgdArgs(p: Tensor): Parameters<typeof native.sgdStep> {
  return [p.handle, p.clone().handle, p.clone().handle, 0.1, 0.9, 0, 1e-4, true, false];
}

function fusedArgs(p: Tensor): Parameters<typeof native.adamStep> {
  const like = () => p.clone().handle;
  return [p.handle, like(), like(), like(), null, 0.99, 0.9, 0.999, 1e-3, 0.5, 1e-8];
}
