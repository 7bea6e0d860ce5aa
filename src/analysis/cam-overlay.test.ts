import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createImage } from '../data/image.js';
import { turbo } from './cam-colormap.js';
import { camOverlay, writeCamOverlay } from './cam-overlay.js';

void test("turbo is within 4/255 of matplotlib's turbo, between the stops too", () => {
  // /usr/bin/python3 -c "import matplotlib.cm as cm; print([round(c * 255) for c in cm.get_cmap('turbo')(x)[:3]])"
  const reference: [number, [number, number, number]][] = [
    [0, [48, 18, 59]],
    [0.05, [61, 53, 139]],
    [0.3, [25, 213, 205]],
    [0.5, [164, 252, 60]],
    [0.62, [235, 211, 57]],
    [0.85, [221, 61, 8]],
    [0.97, [146, 11, 1]],
    [1, [122, 4, 3]],
  ];
  for (const [x, rgb] of reference) {
    const got = turbo(x);
    assert.ok(
      got.every((v, c) => Math.abs(v - rgb[c]) <= 4),
      `turbo(${x}) = [${got.join(', ')}], matplotlib [${rgb.join(', ')}]`,
    );
  }
  assert.deepEqual(turbo(-1), turbo(0));
  assert.deepEqual(turbo(2), turbo(1));
  assert.deepEqual(turbo(Number.NaN), turbo(0));
});

void test('camOverlay blends the heatmap over the image, grey images as RGB', () => {
  const image = createImage({ width: 2, height: 1, channels: 1, fill: 100 });
  const cam = [0, 1];
  assert.deepEqual([...camOverlay(image, cam, { alpha: 0 }).data], [100, 100, 100, 100, 100, 100]);
  assert.deepEqual([...camOverlay(image, cam, { alpha: 1 }).data], [...turbo(0), ...turbo(1)]);
  const half = camOverlay(image, cam).data;
  assert.deepEqual([...half.subarray(3)], [111, 52, 52]); // (100 + [122, 4, 3]) / 2, rounded
  assert.throws(() => camOverlay(image, [0, 0, 0]), /expected a map of 1x2 = 2 values \(the image's size\), but got 3/);
  assert.throws(() => camOverlay(image, cam, { alpha: 2 }), /expected alpha in \[0, 1\], but got 2/);
});

void test('writeCamOverlay writes a PNG that decodes at the image size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cam-overlay-'));
  try {
    const image = createImage({ width: 5, height: 3, channels: 3, fill: [0, 0, 255] });
    const cam = Array.from({ length: 15 }, (_, i) => i / 14);
    const file = join(dir, 'nested', 'a.png');
    await writeCamOverlay(file, image, cam, { alpha: 1 });
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.format, info.width, info.height, info.channels], ['raw', 5, 3, 3]);
    assert.equal((await sharp(file).metadata()).format, 'png');
    assert.deepEqual([...data.subarray(42, 45)], turbo(1));
    await assert.rejects(
      writeCamOverlay(join(file, 'under-a-file.png'), image, cam),
      /camOverlay: expected to write .*under-a-file\.png, but got E(EXIST|NOTDIR)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
