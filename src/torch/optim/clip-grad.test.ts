// clipGradNorm_ / clipGradValue_ against torch.nn.utils (fixtures: scripts/fixtures/optim.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARAMS, assertClose, fixture } from '../../../test/fixtures/optim/load.js';
import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { clipGradNorm_, clipGradValue_ } from './clip-grad.js';

const fx = fixture('clip-grad');

function withGrads(): Tensor[] {
  return Array.from({ length: PARAMS }, (_, i) => {
    const p = zerosLike(fx[`grad.p${i}`]).requiresGrad_(true);
    p.grad = fx[`grad.p${i}`].clone();
    return p;
  });
}

const cases: Record<string, [number, number]> = {
  l2_clip: [1.0, 2],
  l2_noclip: [100, 2],
  inf_clip: [0.5, Infinity],
  l1_clip: [2, 1],
  l3_clip: [1.5, 3],
};

for (const [name, [maxNorm, normType]] of Object.entries(cases)) {
  void test(`clipGradNorm_ ${name} matches PyTorch`, () => {
    const params = withGrads();
    const total = clipGradNorm_(params, maxNorm, { normType });
    assertClose(total, fx[`${name}.total`], 1e-6, `${name} total`);
    params.forEach((p, i) => assertClose(p.grad as Tensor, fx[`${name}.p${i}`], 1e-6, `${name} p${i}`));
  });
}

void test('clipGradValue_ matches PyTorch', () => {
  const params = withGrads();
  clipGradValue_(params, 0.5);
  params.forEach((p, i) => assertClose(p.grad as Tensor, fx[`value_0.5.p${i}`], 0, `p${i}`));
});

void test('clipGradNorm_ without gradients returns 0, and errorIfNonfinite throws on NaN', () => {
  const p = zerosLike(fx['grad.p0']).requiresGrad_(true);
  assert.equal(clipGradNorm_([p], 1).item(), 0);
  p.grad = fx['grad.p0'].clone().fill_(Number.NaN);
  assert.throws(() => clipGradNorm_(p, 1, { errorIfNonfinite: true }), /expected a finite total norm/);
});
