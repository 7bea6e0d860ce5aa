import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../image.js';
import { Rng } from '../../random.js';
import { affineBilinear } from './affine-bilinear.js';
import { roundHalfEven } from './color.js';
import { affine, inverseAffineMatrix } from './geometry.js';
import { affineBilinearNative } from '../../native-image.js';

// The plain per-tap warp `affine` ran before the fast paths (tested against torchvision in geometry.test.ts):
// the fast paths must give its bytes exactly.
function perTap(image: RawImage, m: readonly number[], fill: readonly number[] | null): Buffer {
  const { width: w, height: h, channels, data } = image;
  const out = Buffer.allocUnsafe(data.length);
  const acc = new Float64Array(channels);
  for (let i = 0; i < h; i++) {
    const y = i - h * 0.5 + 0.5;
    for (let j = 0; j < w; j++) {
      const x = j - w * 0.5 + 0.5;
      const sx = Math.fround(m[0] * x + m[1] * y + m[2]) + w * 0.5 - 0.5;
      const sy = Math.fround(m[3] * x + m[4] * y + m[5]) + h * 0.5 - 0.5;
      let mask = 0;
      acc.fill(0);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      for (let k = 0; k < 4; k++) {
        const xx = x0 + (k & 1);
        const yy = y0 + (k >> 1);
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const wgt = (k & 1 ? sx - x0 : 1 - (sx - x0)) * (k >> 1 ? sy - y0 : 1 - (sy - y0));
        mask += wgt;
        for (let c = 0; c < channels; c++) acc[c] += wgt * data[(yy * w + xx) * channels + c];
      }
      for (let c = 0; c < channels; c++) {
        const v = fill === null ? acc[c] : acc[c] * mask + (1 - mask) * fill[fill.length === 1 ? 0 : c];
        out[(i * w + j) * channels + c] = Math.min(255, Math.max(0, roundHalfEven(v)));
      }
    }
  }
  return out;
}

void test('the bilinear warp gives the per-tap loop’s bytes: random matrices, whole-pixel shifts, fills, 1 and 3 channels', () => {
  const rng = new Rng(21);
  const fills: (number[] | null)[] = [null, [0], [12.5], [10, 200, 255], [300], [-4, 7.5, 128]];
  let shifts = 0;
  for (let t = 0; t < 240; t++) {
    const channels = t % 2 === 0 ? 3 : 1;
    const [width, height] = [rng.int(1, 40), rng.int(1, 30)];
    const data = Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(0, 256)));
    const image: RawImage = { data, width, height, channels };
    const kind = t % 4;
    const translate: [number, number] = [rng.int(-45, 45), rng.int(-35, 35)];
    const params =
      kind === 0
        ? { angle: 0, translate, scale: 1, shear: [0, 0] as [number, number] }
        : {
            angle: kind === 1 ? rng.int(-4, 5) * 90 : rng.uniform(-180, 180),
            translate: kind === 3 ? translate : ([0, 0] as [number, number]),
            scale: kind === 3 ? rng.uniform(0.5, 2) : 1,
            shear: [kind === 3 ? rng.uniform(-40, 40) : 0, kind === 3 ? rng.uniform(-40, 40) : 0] as [number, number],
          };
    const center: [number, number] = t % 3 === 0 ? [-width * 0.5, -height * 0.5] : [0, 0];
    const m = inverseAffineMatrix(center, params).map(Math.fround);
    if (m[0] === 1 && m[1] === 0 && m[3] === 0 && m[4] === 1) shifts++;
    const base = fills[t % fills.length];
    const fill = base === null || channels === 3 ? base : base.slice(0, 1);
    assert.deepEqual(affineBilinear(image, m, fill), perTap(image, m, fill), `case ${t}: ${JSON.stringify({ params, center, fill })}`);
  }
  assert.ok(shifts >= 60, `only ${shifts} whole-pixel shifts`);
});

void test('the warp in the addon gives the per-tap loop’s bytes on raw matrices: huge and tiny values, half-pixel ties, far shifts', () => {
  const rng = new Rng(33);
  const fills: (number[] | null)[] = [null, [-1e6], [1e6], [255.5], [0.5, 1.5, 2.5], [128]];
  const raw = (scale: number): number => Math.fround(rng.uniform(-scale, scale));
  for (let t = 0; t < 120; t++) {
    const channels = t % 3 === 0 ? 1 : 3;
    const [width, height] = t < 2 ? [224, 224] : [rng.int(1, 70), rng.int(1, 50)];
    const data = Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(0, 256)));
    const image: RawImage = { data, width, height, channels };
    const kind = t % 6;
    const m =
      kind === 0
        ? [raw(3), raw(3), raw(80), raw(3), raw(3), raw(80)]
        : kind === 1
          ? [raw(1e-6), raw(1e-6), raw(1e7), raw(1e30), raw(1e-30), raw(1e3)]
          : kind === 2
            ? [1, 0, rng.int(-8, 9) + 0.5, 0, 1, rng.int(-8, 9) + (t % 4) * 0.25]
            : kind === 3
              ? [1, 0, [2 ** 20, -(2 ** 20) - 1, 1e5, -3e6, width, -height][t % 6], 0, 1, rng.int(-3, 4)]
              : kind === 4
                ? [-1, 0, rng.int(-4, 5), 0, -1, rng.int(-4, 5)]
                : [Math.fround(0.5), 0, 0, 0, Math.fround(1.5), -0.75];
    const base = fills[t % fills.length];
    const fill = base === null || channels === 3 ? base : base.slice(0, 1);
    const before = Buffer.from(data);
    const out = affineBilinear(image, m, fill);
    assert.deepEqual(out, perTap(image, m, fill), `case ${t}: ${JSON.stringify({ width, height, channels, m, fill })}`);
    assert.deepEqual(data, before);
    assert.notEqual(out.buffer, data.buffer);
  }
});

void test('the addon runs the bilinear warp of affine; bad arguments are TypeErrors, never a crash', () => {
  const image: RawImage = { data: Buffer.alloc(2 * 2 * 3, 7), width: 2, height: 2, channels: 3 };
  const params = { angle: 10, translate: [0, 0] as [number, number], scale: 1, shear: [0, 0] as [number, number] };
  // Only the addon checks fills, so this error shows that affine's bilinear path runs there.
  assert.throws(
    () => affine(image, params, { interpolation: 'bilinear', fill: [Infinity] }),
    /affineBilinear: expected finite values in fill/,
  );
  const m = Float64Array.of(1, 0, 0.5, 0, 1, 0);
  const bad: [() => unknown, RegExp][] = [
    [() => affineBilinearNative(Buffer.alloc(11), 2, 2, 3, m, null), /expected width \* height \* channels = 12 bytes in src, but got 11/],
    [() => affineBilinearNative(new Float32Array(12) as unknown as Buffer, 2, 2, 3, m, null), /expected a Uint8Array for src/],
    [() => affineBilinearNative(Buffer.alloc(0), 0, 2, 3, m, null), /expected an integer in \[1, 65536\] for width/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2.5, 3, m, null), /for height, but got 2.5/],
    [() => affineBilinearNative(Buffer.alloc(8), 2, 2, 2 as 3, m, null), /expected 1 or 3 channels/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2, 3, m.subarray(0, 5), null), /expected 6 values in matrix, but got 5/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2, 3, Float64Array.of(1, 0, NaN, 0, 1, 0), null), /finite values in matrix/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2, 3, Float64Array.of(1, 0, 0, 0, -Infinity, 0), null), /finite values in matrix/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2, 3, [1, 0, 0, 0, 1, 0] as unknown as Float64Array, null), /Float64Array for matrix/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2, 3, m, Float64Array.of(0)), /expected 3 values in fill, but got 1/],
    [() => affineBilinearNative(Buffer.alloc(12), 2, 2, 3, m, Float64Array.of(0, NaN, 0)), /finite values in fill/],
  ];
  for (const [call, message] of bad) assert.throws(call, (e: unknown) => e instanceof TypeError && message.test(e.message));
});
