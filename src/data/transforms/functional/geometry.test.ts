import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affine, crop, gaussianBlur, hflip, resize, shorterSideSize, vflip } from './geometry.js';
import { applyAugmentOp } from './augment-ops.js';
import { centerCropBox } from '../center-crop.js';
import { difference, fixture, referenceImage } from './reference.test-helper.js';

const img = referenceImage('img');

void test('flips are exact', () => {
  assert.deepEqual(hflip(img).data, referenceImage('hflip').data);
  assert.deepEqual(vflip(img).data, referenceImage('vflip').data);
});

void test('center crop (inside, and padded past the edges) is exact', () => {
  for (const [name, h, w] of [
    ['center_crop_10x7', 10, 7],
    ['center_crop_21x25', 21, 25],
  ] as const) {
    const out = crop(img, centerCropBox(img.width, img.height, h, w));
    assert.deepEqual(out.data, referenceImage(name).data, name);
  }
});

void test('gaussian blur is within one level of F.gaussian_blur', () => {
  for (const [name, k, s] of [
    ['blur_5_1.3', [5, 5], [1.3, 1.3]],
    ['blur_3x7', [3, 7], [0.8, 2.0]],
  ] as const) {
    const d = difference(gaussianBlur(img, [...k], [...s]), referenceImage(name));
    assert.ok(d.maxAbs <= 1 && d.fractionDifferent < 0.02, `${name}: ${JSON.stringify(d)}`);
  }
});

void test('affine and rotate follow F.affine / F.rotate (grid_sample, fill through the mask)', () => {
  const cases = [
    [
      'affine_nearest',
      affine(img, { angle: 20, translate: [2, -1], scale: 1.1, shear: [5, 3] }, { interpolation: 'nearest', fill: [0, 0, 0] }),
    ],
    [
      'affine_bilinear',
      affine(img, { angle: -12, translate: [1, 2], scale: 0.9, shear: [0, 0] }, { interpolation: 'bilinear', fill: [10, 20, 30] }),
    ],
    [
      'rotate_30_bilinear',
      affine(img, { angle: -30, translate: [0, 0], scale: 1, shear: [0, 0] }, { interpolation: 'bilinear', fill: [0, 0, 0] }),
    ],
    ['op_shearx_0.3', applyAugmentOp(img, { op: 'ShearX', magnitude: 0.3, interpolation: 'nearest', fill: null })],
    ['op_translatey_-5', applyAugmentOp(img, { op: 'TranslateY', magnitude: -5.7, interpolation: 'nearest', fill: null })],
    ['op_rotate_-17', applyAugmentOp(img, { op: 'Rotate', magnitude: -17, interpolation: 'nearest', fill: null })],
  ] as const;
  for (const [name, out] of cases) {
    const d = difference(out, referenceImage(name));
    // Nearest sampling can pick a neighbour at float32 ties; bilinear agrees within a level.
    const ok = name.includes('bilinear') ? d.maxAbs <= 1 : d.fractionDifferent < 0.01;
    assert.ok(ok, `${name}: ${JSON.stringify(d)}`);
  }
});

void test('resize sizes follow F.resize (shorter side, maxSize)', () => {
  const rows = fixture().resize_sizes.toArray() as number[][];
  for (const [h, w, size, maxSize, oh, ow] of rows) {
    assert.deepEqual(shorterSideSize(h, w, size, maxSize === 0 ? undefined : maxSize), [oh, ow], `${h}x${w} -> ${size}`);
  }
});

void test('bilinear resize is close to PIL and to torchvision antialias', async () => {
  for (const [name, height, width] of [
    ['resize_12', 12, 14],
    ['resize_9x30', 9, 30],
  ] as const) {
    const out = await resize(img, { height, width });
    for (const ref of ['pil', 'tensor']) {
      const d = difference(out, referenceImage(`${name}_${ref}`));
      // libvips' triangle filter vs PIL's: same idea, different rounding and edge handling.
      assert.ok(d.meanAbs < 2.5 && d.maxAbs <= 16, `${name} vs ${ref}: ${JSON.stringify(d)}`);
    }
  }
});
