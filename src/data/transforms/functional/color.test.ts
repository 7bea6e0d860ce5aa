import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  adjustSharpness,
  autocontrast,
  equalize,
  posterize,
  rgbToGrayscale,
  solarize,
} from './color.js';
import type { RawImage } from '../../image.js';
import { difference, referenceImage } from './reference.test-helper.js';

const img = referenceImage('img');
const cases: [string, (x: RawImage) => RawImage][] = [
  ['brightness_1.3', (x) => adjustBrightness(x, 1.3)],
  ['brightness_0.55', (x) => adjustBrightness(x, 0.55)],
  ['contrast_0.6', (x) => adjustContrast(x, 0.6)],
  ['contrast_1.45', (x) => adjustContrast(x, 1.45)],
  ['saturation_1.7', (x) => adjustSaturation(x, 1.7)],
  ['saturation_0.3', (x) => adjustSaturation(x, 0.3)],
  ['hue_0.2', (x) => adjustHue(x, 0.2)],
  ['hue_-0.35', (x) => adjustHue(x, -0.35)],
  ['grayscale', (x) => rgbToGrayscale(x, 1)],
  ['sharpness_1.8', (x) => adjustSharpness(x, 1.8)],
  ['posterize_3', (x) => posterize(x, 3)],
  ['solarize_128', (x) => solarize(x, 128)],
  ['autocontrast', autocontrast],
  ['equalize', equalize],
];

for (const [name, fn] of cases) {
  void test(`${name} matches torchvision's tensor functional`, () => {
    const d = difference(fn(img), referenceImage(name));
    assert.ok(d.maxAbs <= 1, `${name}: max abs diff ${d.maxAbs}`);
    assert.ok(d.fractionDifferent <= 0.01, `${name}: ${(d.fractionDifferent * 100).toFixed(2)}% of values differ`);
  });
}

void test('a grey image keeps its saturation and hue', () => {
  const grey = rgbToGrayscale(img, 1);
  assert.equal(adjustSaturation(grey, 2), grey);
  assert.equal(adjustHue(grey, 0.3), grey);
});
