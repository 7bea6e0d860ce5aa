import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../../../torch/serialization/safetensors.js';
import type { RawImage } from '../../image.js';
import { Rng } from '../../random.js';
import { adjustSharpness, autocontrast, equalize, posterize, roundHalfEven, solarize } from './color.js';
import { affine, inverseAffineMatrix } from './geometry.js';
import type { AffineParams } from './geometry.js';
import { adjustSharpnessFast, autocontrastFast, equalizeFast, posterizeFast, solarizeFast } from './native-augment.js';
import { difference, referenceImage } from './reference.test-helper.js';

// Written by scripts/fixtures/augment_native.py: torchvision's tensor functionals.
const fixture = loadSafetensors(
  fileURLToPath(new URL('../../../../test/fixtures/transforms/augment-native.safetensors', import.meta.url)),
).tensors;
const SHARPNESS = ['0.01', '0.5', '1', '1.37', '1.99'];

function imageOf(name: string): RawImage {
  const t = fixture[name];
  const [height, width, channels] = t.shape;
  return { data: Buffer.from(t.data() as Uint8Array), width, height, channels: channels as 1 | 3 };
}

function differing(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

void test("adjustSharpnessFast gives torchvision's F.adjust_sharpness byte for byte, RGB and grey", () => {
  for (const mode of ['rgb', 'grey']) {
    const image = imageOf(mode);
    for (const factor of SHARPNESS) {
      const out = adjustSharpnessFast(image, Number(factor));
      const n = differing(out.data, imageOf(`sharpness_${mode}_${factor}`).data);
      assert.equal(n, 0, `${mode} ${factor}: ${n} values differ`);
    }
    assert.notDeepEqual(adjustSharpnessFast(image, 1.99).data, image.data);
  }
});

void test('adjustSharpnessFast gives the bytes of the JavaScript functional on random images, tiny ones included', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 60; trial++) {
    const width = rng.int(1, 40);
    const height = rng.int(1, 30);
    const channels = trial % 3 === 0 ? 1 : 3;
    const data = Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(0, 256)));
    const image: RawImage = { data, width, height, channels };
    const factor = rng.uniform(0, 2);
    const before = Buffer.from(data);
    assert.deepEqual(
      adjustSharpnessFast(image, factor).data,
      adjustSharpness(image, factor).data,
      `${width}x${height}x${channels} ${factor}`,
    );
    assert.deepEqual(image.data, before);
  }
  assert.throws(
    () => adjustSharpnessFast({ data: Buffer.alloc(27), width: 3, height: 3, channels: 3 }, -1),
    /adjustSharpness: expected a finite factor/,
  );
});

/** The nearest branch of `affine` as it ran in JavaScript before the addon took it over (the bytes to keep). */
function affineNearestJs(image: RawImage, m: number[], fill: readonly number[] | null): Buffer {
  const { width: w, height: h, channels, data } = image;
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < h; i++) {
    const y = i - h * 0.5 + 0.5;
    for (let j = 0; j < w; j++) {
      const x = j - w * 0.5 + 0.5;
      const sx = Math.fround(m[0] * x + m[1] * y + m[2]) + w * 0.5 - 0.5;
      const sy = Math.fround(m[3] * x + m[4] * y + m[5]) + h * 0.5 - 0.5;
      const xx = roundHalfEven(sx);
      const yy = roundHalfEven(sy);
      const inside = xx >= 0 && yy >= 0 && xx < w && yy < h;
      for (let c = 0; c < channels; c++) {
        const fv = fill === null ? 0 : fill[fill.length === 1 ? 0 : c];
        const v = inside ? data[(yy * w + xx) * channels + c] : fv;
        out[(i * w + j) * channels + c] = Math.min(255, Math.max(0, roundHalfEven(v)));
      }
    }
  }
  return out;
}

void test("affine (nearest, in the addon) keeps the JavaScript warp's bytes: random matrices, centres and fills", () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 80; trial++) {
    const width = rng.int(1, 48);
    const height = rng.int(1, 40);
    const channels = trial % 4 === 0 ? 1 : 3;
    const data = Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(0, 256)));
    const image: RawImage = { data, width, height, channels };
    const params: AffineParams = {
      angle: rng.uniform(-180, 180),
      translate: [rng.int(-8, 9), rng.int(-8, 9)],
      scale: rng.uniform(0.5, 1.5),
      shear: [rng.uniform(-40, 40), rng.uniform(-40, 40)],
      ...(trial % 2 === 0 ? { center: [rng.uniform(0, width), rng.uniform(0, height)] as [number, number] } : {}),
    };
    const fill = trial % 3 === 0 ? null : trial % 3 === 1 ? [rng.uniform(-20, 300)] : [12.5, 200.5, 77.4].slice(0, channels);
    const center: [number, number] =
      params.center === undefined ? [0, 0] : [params.center[0] - width * 0.5, params.center[1] - height * 0.5];
    const m = inverseAffineMatrix(center, params).map(Math.fround);
    const out = affine(image, params, { interpolation: 'nearest', fill });
    assert.deepEqual(out.data, affineNearestJs(image, m, fill), `trial ${trial}: ${JSON.stringify({ params, fill })}`);
  }
});

void test("posterize, solarize, autocontrast and equalize through native tables give the JavaScript functionals' bytes", () => {
  const rng = new Rng(23);
  for (let trial = 0; trial < 60; trial++) {
    const width = rng.int(1, 30);
    const height = rng.int(1, 20);
    const channels = trial % 3 === 0 ? 1 : 3;
    // Narrow value ranges too: autocontrast and equalize have their special cases there.
    const [lo, hi] = trial % 4 === 0 ? [100, 103] : trial % 4 === 1 ? [7, 8] : [0, 256];
    const data = Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(lo, hi)));
    const image: RawImage = { data, width, height, channels };
    const bits = rng.int(0, 9);
    const threshold = rng.uniform(0, 256);
    const label = `${width}x${height}x${channels} [${lo}, ${hi})`;
    assert.deepEqual(posterizeFast(image, bits).data, posterize(image, bits).data, `posterize ${bits} ${label}`);
    assert.deepEqual(solarizeFast(image, threshold).data, solarize(image, threshold).data, `solarize ${threshold} ${label}`);
    assert.deepEqual(autocontrastFast(image).data, autocontrast(image).data, `autocontrast ${label}`);
    assert.deepEqual(equalizeFast(image).data, equalize(image).data, `equalize ${label}`);
  }
});

void test("the table ops give torchvision's tensor functionals byte for byte on the reference image", () => {
  const img = referenceImage('img');
  const cases: [string, RawImage][] = [
    ['posterize_3', posterizeFast(img, 3)],
    ['solarize_128', solarizeFast(img, 128)],
    ['autocontrast', autocontrastFast(img)],
    ['equalize', equalizeFast(img)],
  ];
  for (const [name, out] of cases) assert.equal(difference(out, referenceImage(name)).fractionDifferent, 0, name);
});

void test("autocontrastFast gives torchvision's F.autocontrast for every range width (its scale is 1 / range, times 255)", () => {
  const expected = fixture.autocontrast_rows.data() as Uint8Array;
  for (let d = 1; d <= 255; d++) {
    const data = Buffer.from(Array.from({ length: 256 }, (_, x) => Math.min(255, 3 + (x % (d + 1)))));
    const out = autocontrastFast({ data, width: 256, height: 1, channels: 1 }).data;
    const row = expected.subarray((d - 1) * 256, d * 256);
    assert.equal(differing(out, row), 0, `range width ${d}`);
    assert.deepEqual(autocontrast({ data, width: 256, height: 1, channels: 1 }).data, out, `JavaScript functional, range width ${d}`);
  }
});
