// MultiheadAttention against torch.nn.MultiheadAttention (batch_first,
// self-attention): names, seeded init, eval output, train output with
// attention dropout drawn after the same seed, and every gradient. Fixture:
// scripts/fixtures/multihead_attention.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../index.js';
import type { Tensor } from '../tensor.js';
import { loadSafetensors } from '../serialization/safetensors.js';
import { MultiheadAttention } from './index.js';

const fixture = loadSafetensors(new URL('../../../test/fixtures/nn/multihead-attention.safetensors', import.meta.url).pathname).tensors;
const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());
const prefixed = (prefix: string): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(fixture).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));

void test("MultiheadAttention has torch's names and seeded initial values", () => {
  torch.manualSeed(0);
  const mha = new MultiheadAttention(8, 2, { dropout: 0.25 });
  torch.manualSeed(2);
  const plain = new MultiheadAttention(8, 2, { bias: false });
  for (const [layer, expected] of [
    [mha, prefixed('init.')],
    [plain, prefixed('nobias.')],
  ] as const) {
    const own = layer.stateDict();
    assert.deepEqual(Object.keys(own).sort(), Object.keys(expected).sort());
    for (const [k, v] of Object.entries(own)) assert.deepEqual(v.toArray(), expected[k].toArray(), k);
  }
  mha.dispose();
  plain.dispose();
});

void test('MultiheadAttention matches torch in eval and in training (dropout on the weights), gradients included', () => {
  torch.manualSeed(0);
  const mha = new MultiheadAttention(8, 2, { dropout: 0.25 });
  torch.tidy(() => {
    mha.eval();
    assert.ok(
      maxDiff(
        torch.noGrad(() => mha.forward(fixture.x)),
        fixture.eval,
      ) < 1e-6,
      'eval output',
    );
    mha.train();
    torch.manualSeed(1);
    const out = mha.forward(fixture.x);
    assert.ok(maxDiff(out, fixture.train) < 1e-6, 'train output');
    out.mul(fixture.g).sum().backward();
    for (const [k, p] of mha.namedParameters()) assert.ok(maxDiff(p.grad!, fixture[`grad.${k}`]) < 1e-5, `gradient of ${k}`);
  });
  assert.throws(() => mha.forward(fixture.g.reshape([10, 8])), /expected input \[N, L, 8\]/);
  assert.throws(() => new MultiheadAttention(8, 3), /numHeads dividing embedDim 8/);
  mha.dispose();
});
