import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../../torch/serialization/safetensors.js';
import type { RawImage } from '../image.js';
import { AugMix, augMixBlend, augMixWeights } from './aug-mix.js';
import type { AugMixOptions, AugMixStep } from './aug-mix.js';
import { augMixSpace } from './functional/augment-ops.js';
import { difference } from './functional/reference.test-helper.js';

// Written by scripts/fixtures/aug_mix.py: torchvision's AugMix.forward with every draw it made recorded.
const { tensors, metadata } = loadSafetensors(
  fileURLToPath(new URL('../../../test/fixtures/transforms/aug-mix.safetensors', import.meta.url)),
);
const imageOf = (name: string): RawImage => {
  const t = tensors[name];
  const [height, width, channels] = t.shape;
  return { data: Buffer.from(t.data() as Uint8Array), width, height, channels: channels as 1 | 3 };
};
interface Case {
  name: string;
  image: string;
  options: AugMixOptions;
  beta: [number, number];
  dirichlet: number[];
  combined: number[];
  chains: [AugMixStep['op'], number][][];
}
const cases = JSON.parse(metadata.cases) as Case[];
const chainsOf = (c: Case): AugMixStep[][] => c.chains.map((chain) => chain.map(([op, magnitude]) => ({ op, magnitude })));
const GEOMETRIC = new Set(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate']);

void test("AugMix's op space is torchvision's _augmentation_space(10, (17, 23)), in its order, with and without allOps", () => {
  const expected = JSON.parse(metadata.space) as Record<string, [string, number[] | null, boolean][]>;
  for (const allOps of [true, false]) {
    const ours = augMixSpace(10, 17, 23, allOps);
    const theirs = expected[String(allOps)];
    assert.deepEqual(
      ours.map(([op, s]) => [op, s.signed]),
      theirs.map(([op, , signed]) => [op, signed]),
    );
    ours.forEach(([op, { magnitudes }], i) => {
      const want = theirs[i][1];
      if (magnitudes === null || want === null) return assert.equal(magnitudes, want, op);
      // Some bins of our linspace are one float32 ulp from torch.linspace's.
      magnitudes.forEach((m, k) =>
        assert.ok(Math.abs(m - want[k]) <= 1e-6 * Math.max(1, Math.abs(want[k])), `${op}[${k}]: ${m} vs ${want[k]}`),
      );
    });
  }
});

void test("blending torchvision's chain results with its weights gives its uint8 output byte for byte (float32, truncated)", () => {
  for (const c of cases) {
    const weights = augMixWeights(c.beta, c.dirichlet);
    assert.deepEqual(weights.chains, c.combined, `${c.name}: combined weights`);
    const chains = c.chains.map((_, i) => imageOf(`${c.name}_chain${i}`));
    const d = difference(augMixBlend(imageOf(c.image), chains, weights), imageOf(`${c.name}_out`));
    assert.equal(d.maxAbs, 0, `${c.name}: ${JSON.stringify(d)}`);
  }
  // Rounding instead of truncating would differ somewhere: 1/3 of every value is rarely a whole number.
  const img = imageOf('rgb');
  const third = augMixBlend(img, [], { original: 1 / 3, chains: [] });
  assert.ok(third.data.every((v, i) => v === Math.trunc(Math.fround(Math.fround(1 / 3) * img.data[i]))));
});

void test("AugMix with torchvision's draws injected: every chain and the blend agree with torchvision (exact but for bilinear warp ties)", () => {
  let exactCases = 0;
  for (const c of cases) {
    const aug = new AugMix(c.options);
    const img = imageOf(c.image);
    const ours = chainsOf(c).map((chain) => aug.applyChain(img, chain));
    const theirs = c.chains.map((_, i) => imageOf(`${c.name}_chain${i}`));
    const geometric = c.chains.map((chain) => chain.some(([op]) => GEOMETRIC.has(op)));
    ours.forEach((chain, i) => {
      const d = difference(chain, theirs[i]);
      // The bilinear warp runs in float64 here and in float32 in grid_sample: a few values land one level
      // apart, and a histogram op after the warp (Equalize, AutoContrast) can carry that further.
      const ok = geometric[i] ? d.fractionDifferent < 0.05 : d.maxAbs === 0;
      assert.ok(ok, `${c.name} chain ${i} ${JSON.stringify(c.chains[i])}: ${JSON.stringify(d)}`);
    });
    const out = aug.applyDraws(img, { beta: c.beta, dirichlet: c.dirichlet, chains: chainsOf(c) });
    const expected = imageOf(`${c.name}_out`);
    // Where every chain agrees with torchvision's, the blended byte must be torchvision's exactly.
    let compared = 0;
    for (let k = 0; k < out.data.length; k++) {
      if (!ours.every((chain, i) => chain.data[k] === theirs[i].data[k])) continue;
      compared++;
      assert.equal(out.data[k], expected.data[k], `${c.name} value ${k}`);
    }
    assert.ok(compared > 0.9 * out.data.length, `${c.name}: only ${compared} of ${out.data.length} values comparable`);
    if (!geometric.some(Boolean)) {
      assert.deepEqual(out.data, expected.data, c.name);
      exactCases++;
    }
  }
  assert.ok(exactCases >= 2, 'the fixture has pixel-op-only cases');
});
