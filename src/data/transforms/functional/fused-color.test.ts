import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../image.js';
import { Rng } from '../../random.js';
import { ColorJitter } from '../color-jitter.js';
import { adjustBrightness, adjustContrast, adjustSaturation } from './color.js';
import { adjustColors } from './fused-color.js';
import type { ColorStep } from './fused-color.js';
import { difference, referenceImage } from './reference.test-helper.js';

const sequential = { brightness: adjustBrightness, contrast: adjustContrast, saturation: adjustSaturation };

function noise(rng: Rng, channels: 1 | 3): RawImage {
  const width = 13;
  const height = 7;
  return { data: Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(0, 256))), width, height, channels };
}

void test('adjustColors gives the bytes of the one-by-one ops for every order, repeats and factor', () => {
  const rng = new Rng(3);
  const ops = ['brightness', 'contrast', 'saturation'] as const;
  for (let trial = 0; trial < 300; trial++) {
    const image = noise(rng, trial % 5 === 0 ? 1 : 3);
    const before = Buffer.from(image.data);
    const steps: (ColorStep & { op: (typeof ops)[number] })[] = Array.from({ length: rng.int(1, 5) }, () => ({
      op: rng.choice(ops),
      factor: rng.uniform(0, 2.5),
    }));
    const expected = steps.reduce((x, s) => sequential[s.op](x, s.factor), image);
    assert.deepEqual(adjustColors(image, steps).data, expected.data, JSON.stringify(steps));
    assert.deepEqual(image.data, before);
  }
});

void test('adjustColors matches torchvision on the reference image', () => {
  const img = referenceImage('img');
  const cases: [string, ColorStep][] = [
    ['brightness_1.3', { op: 'brightness', factor: 1.3 }],
    ['contrast_0.6', { op: 'contrast', factor: 0.6 }],
    ['saturation_1.7', { op: 'saturation', factor: 1.7 }],
  ];
  for (const [name, step] of cases) {
    const d = difference(adjustColors(img, [step]), referenceImage(name));
    assert.ok(d.maxAbs <= 1 && d.fractionDifferent <= 0.01, `${name}: max ${d.maxAbs}, ${d.fractionDifferent}`);
  }
});

void test('ColorJitter (fused, hue in between) equals the ops run one by one in its drawn order', () => {
  const jitter = new ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 });
  // Hue is PIL's (its kernel is tested against Pillow in native-image.test.ts), run here as a call of its own.
  const hue = (x: RawImage, factor: number): RawImage => adjustColors(x, [{ op: 'hue', factor }]);
  const ops = [adjustBrightness, adjustContrast, adjustSaturation, hue];
  const image = referenceImage('img');
  for (let seed = 0; seed < 30; seed++) {
    const draw = new Rng(seed);
    const order = draw.permutation(4);
    const factors = jitter.ranges.map((r) => (r === null ? null : draw.uniform(r[0], r[1])));
    const expected = order.reduce((x, i) => ops[i](x, factors[i] as number), image);
    assert.deepEqual(jitter.apply(image, new Rng(seed)).data, expected.data, `seed ${seed}`);
  }
});
