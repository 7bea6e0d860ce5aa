// The model zoo's shared layers against torch/torchvision 1.13/0.14
// (fixtures from scripts/fixtures/zoo_layers.py): outputs, input gradients,
// state-dict names, and StochasticDepth's masks for the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../torch/index.js';
import { GELU, Hardsigmoid, Hardswish, LayerNorm, Permute, SiLU, Sigmoid, StochasticDepth } from '../../torch/nn/index.js';
import type { Module } from '../../torch/nn/index.js';
import { loadSafetensors } from '../../torch/serialization/safetensors.js';
import { Conv2dNormActivation, MLP, SqueezeExcitation } from './index.js';

const fixtures = loadSafetensors(new URL('../../../test/fixtures/nn/zoo-layers.safetensors', import.meta.url).pathname).tensors;

function check(name: string, layer: Module, options: { train?: boolean; seed?: number; tol?: number } = {}): void {
  const state = Object.fromEntries(
    Object.entries(fixtures)
      .filter(([k]) => k.startsWith(`${name}.state.`))
      .map(([k, v]) => [k.slice(`${name}.state.`.length), v]),
  );
  assert.deepEqual(Object.keys(layer.stateDict()).sort(), Object.keys(state).sort(), `${name}: state-dict keys`);
  if (Object.keys(state).length > 0) layer.loadStateDict(state);
  if (options.train === true) layer.train();
  else layer.eval();
  const tol = options.tol ?? 1e-5;
  torch.tidy(() => {
    const x = fixtures[`${name}.x`].clone().requiresGrad_(true);
    if (options.seed !== undefined) torch.manualSeed(options.seed);
    const out = layer.forward(x);
    const w = torch.linspace(-1, 1, out.numel()).reshape(out.shape);
    out.mul(w).sum().backward();
    const outDiff = out.sub(fixtures[`${name}.out`]).abs().max().item();
    const gradDiff = x.grad!.sub(fixtures[`${name}.grad`]).abs().max().item();
    assert.ok(outDiff <= tol, `${name}: output differs by ${outDiff}`);
    assert.ok(gradDiff <= tol, `${name}: input gradient differs by ${gradDiff}`);
  });
}

void test('activations, LayerNorm and Permute match torch', () => {
  check('gelu', new GELU());
  check('gelu_tanh', new GELU({ approximate: 'tanh' }));
  check('silu', new SiLU());
  check('hardswish', new Hardswish());
  check('hardsigmoid', new Hardsigmoid());
  check('sigmoid', new Sigmoid());
  check('permute', new Permute([0, 2, 3, 1]));
  check('layer_norm', new LayerNorm(8, { eps: 1e-6 }));
});

void test('in-place activations overwrite their input and give the out-of-place result', () => {
  torch.tidy(() => {
    const x = torch.randn([4, 5]);
    for (const [inplace, plain] of [
      [new SiLU({ inplace: true }), new SiLU()],
      [new Hardswish({ inplace: true }), new Hardswish()],
      [new Hardsigmoid({ inplace: true }), new Hardsigmoid()],
    ] as const) {
      const expected = plain.forward(x);
      const y = x.clone();
      assert.equal(inplace.forward(y), y);
      assert.equal(y.sub(expected).abs().max().item(), 0);
    }
  });
});

void test('Conv2dNormActivation, SqueezeExcitation and MLP match torchvision.ops', () => {
  check(
    'cna',
    new Conv2dNormActivation(8, 16, { kernelSize: 3, stride: 2, groups: 8, activationLayer: () => new SiLU({ inplace: true }) }),
    {
      train: true,
    },
  );
  check('se', new SqueezeExcitation(8, 2, { activation: () => new SiLU(), scaleActivation: () => new Hardsigmoid() }));
  check('mlp', new MLP(8, [32, 8], { activationLayer: () => new GELU() }));
});

void test('StochasticDepth draws torchvision masks for a seed and is the identity in eval', () => {
  check('sd_row', new StochasticDepth(0.4, 'row'), { train: true, seed: 5 });
  check('sd_batch', new StochasticDepth(0.4, 'batch'), { train: true, seed: 5 });
  torch.tidy(() => {
    const x = torch.randn([3, 2]);
    const layer = new StochasticDepth(0.9, 'row');
    layer.eval();
    assert.equal(layer.forward(x), x);
  });
  assert.throws(() => new StochasticDepth(1.5, 'row'), /expected p in \[0, 1\], but got 1.5/);
});
