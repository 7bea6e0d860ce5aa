// SGD, Adam and AdamW against PyTorch 1.13 step by step (fixtures:
// scripts/fixtures/optim.py): two param groups with different options,
// and a step where one parameter has no gradient (it must not move).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STEPS, assertClose, fixture, initialParams, optimizerConfigs, setGrads } from '../../../test/fixtures/optim/load.js';
import { memory } from '../memory.js';

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
