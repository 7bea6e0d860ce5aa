import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../../torch/serialization/safetensors.js';
import type { RawImage } from '../image.js';
import { Rng } from '../random.js';
import { applyPolicyOp, AUTO_AUGMENT_POLICIES, AutoAugment, policyMagnitude } from './auto-augment.js';
import { difference } from './functional/reference.test-helper.js';
import { buildTransforms } from './pipeline.js';

// Written by scripts/fixtures/auto_augment.py: torchvision's policies and its _apply_op on a uint8 tensor.
const { tensors, metadata } = loadSafetensors(
  fileURLToPath(new URL('../../../test/fixtures/transforms/auto-augment.safetensors', import.meta.url)),
);
const imageOf = (name: string): RawImage => {
  const t = tensors[name];
  const [height, width, channels] = t.shape;
  return { data: Buffer.from(t.data() as Uint8Array), width, height, channels: channels as 1 | 3 };
};
const GEOMETRIC = new Set(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate']);

void test("AutoAugment's policies are torchvision's, entry by entry", () => {
  const expected = JSON.parse(metadata.policies) as Record<string, [string, number, number | null][][]>;
  assert.deepEqual(Object.keys(AUTO_AUGMENT_POLICIES).sort(), Object.keys(expected).sort());
  for (const [name, policy] of Object.entries(AUTO_AUGMENT_POLICIES))
    assert.deepEqual(
      policy.map((sub) => sub.map((op) => [...op])),
      expected[name],
      name,
    );
});

void test("every op of every sub-policy, at torchvision's magnitude, gives its _apply_op result: exact but for warp ties", () => {
  const used = JSON.parse(metadata.magnitudes) as Record<string, number[][]>;
  const warp = { interpolation: 'nearest' as const, fill: null };
  for (const [name, policy] of Object.entries(AUTO_AUGMENT_POLICIES)) {
    policy.forEach((sub, i) => {
      // Each op on torchvision's input to it: a warp's few rounding ties must not reach a histogram op after it.
      // (The nearest warp follows geometry.ts, whose sampling grid differs from torch's affine_grid at a few
      // pixel-centre ties: up to a few % of a 23x17 image.)
      const inputs = [imageOf('img'), imageOf(`${name}_${i}_0`)];
      sub.forEach(([op, , bin], k) => {
        const theirs = used[name][i][k];
        const ours = policyMagnitude(op, bin, (i + k) % 2, 17, 23);
        // Some bins of our linspace are one float32 ulp from torch.linspace's.
        assert.ok(Math.abs(ours - theirs) <= 1e-6 * Math.max(1, Math.abs(theirs)), `${name} ${i} op ${k}: ${ours} vs ${theirs}`);
        const d = difference(applyPolicyOp(inputs[k], op, theirs, warp), imageOf(`${name}_${i}_${k}`));
        const ok = GEOMETRIC.has(op) ? d.fractionDifferent < 0.05 : d.fractionDifferent === 0;
        assert.ok(ok, `${name} ${i} op ${k} ${JSON.stringify(sub)}: ${JSON.stringify(d)}`);
      });
    });
  }
});

void test('AutoAugment draws a sub-policy, two probabilities and two signs from the sample stream; registered by name', () => {
  const img = imageOf('img');
  const aa = new AutoAugment();
  assert.deepEqual(aa.apply(img, new Rng(9, 1)).data, aa.apply(img, new Rng(9, 1)).data);
  const outputs = new Set(Array.from({ length: 40 }, (_, s) => aa.apply(img, new Rng(s)).data.toString('base64')));
  assert.ok(outputs.size > 10, `only ${outputs.size} distinct outputs over 40 seeds`);
  // The draws, replayed by hand, give the same image.
  const rng = new Rng(4);
  const index = rng.int(0, 25);
  const probs = [rng.random(), rng.random()];
  const signs = [rng.int(0, 2), rng.int(0, 2)];
  const sub = AUTO_AUGMENT_POLICIES.imagenet[index];
  const byHand = aa.applySubPolicy(img, sub, { apply: probs.map((p, k) => p <= sub[k][1]), signs });
  assert.deepEqual(aa.apply(img, new Rng(4)).data, byHand.data);
  const [built] = buildTransforms([{ name: 'AutoAugment', policy: 'svhn' }]);
  assert.ok(built instanceof AutoAugment && built.options.policy === 'svhn');
  assert.throws(() => buildTransforms([{ name: 'AutoAugment', policy: 'mnist' }]), /policy/);
});
