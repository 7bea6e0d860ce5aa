import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../image.js';
import { Rng } from '../../random.js';
import { affineBilinear } from './affine-bilinear.js';
import { roundHalfEven } from './color.js';
import { inverseAffineMatrix } from './geometry.js';

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
