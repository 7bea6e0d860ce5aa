import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createImage } from '../../data/image.js';
import { ShapeError } from '../../errors.js';
import { floatToRawImage, renderSampleGrid } from './render-sample-grid.js';

test('floatToRawImage turns [0, 1] CHW floats into clamped uint8 HWC pixels', () => {
  const chw = new Float32Array([0, 0.5, 1, 1.5, /* G */ 0.2, 0.2, 0.2, 0.2, /* B */ -1, 0, 0, 1]);
  const raw = floatToRawImage({ chw, width: 2, height: 2, channels: 3 });
  assert.deepEqual([...raw.data], [0, 51, 0, 128, 51, 0, 255, 51, 0, 255, 51, 255]);
  assert.throws(() => floatToRawImage({ chw, width: 3, height: 2, channels: 3 }), ShapeError);
});

test('renderSampleGrid lays out tiles with two-line captions; wrong predictions in red', async () => {
  const samples = [
    { image: createImage({ width: 8, height: 8, channels: 1, fill: 200 }), trueLabel: 'sandal', predLabel: 'sandal', confidence: 0.91 },
    {
      image: createImage({ width: 8, height: 4, channels: 3, fill: [0, 0, 255] }),
      trueLabel: 'coat',
      predLabel: 'T-shirt/top',
      confidence: 0.4,
    },
    {
      image: { chw: new Float32Array(3 * 16).fill(0.5), width: 4, height: 4, channels: 3 as const },
      trueLabel: 'bag',
      predLabel: 'bag',
      confidence: 1,
    },
  ];
  const png = await renderSampleGrid(samples, { columns: 2, tileSize: 64 });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [2 * 72 + 8, 2 * (64 + 32 + 8) + 8]);
  const pixel = (x: number, y: number): number[] => [
    ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
  ];
  assert.deepEqual(pixel(8 + 32, 8 + 32), [200, 200, 200], 'grey tile');
  assert.deepEqual(pixel(80 + 32, 8 + 32), [0, 0, 255], 'blue tile, centred (letterboxed)');
  assert.deepEqual(pixel(80 + 32, 8 + 4), [255, 255, 255], 'the letterbox is white');
  assert.deepEqual(pixel(8 + 32, 112 + 32), [128, 128, 128], 'float tile');
  // Captions: dark ink under the right tile; red ink (and a red frame) under the wrong one.
  const captionInk = (left: number, top: number, red: boolean): number => {
    let n = 0;
    for (let y = top + 64; y < top + 64 + 32; y++) {
      for (let x = left; x < left + 64; x++) {
        const [r, g, b] = pixel(x, y);
        if (red ? r > 150 && g < 100 && b < 100 : r < 100 && g < 100 && b < 100) n++;
      }
    }
    return n;
  };
  assert.ok(captionInk(8, 8, false) > 20, 'dark caption under the right prediction');
  assert.equal(captionInk(8, 8, true), 0);
  assert.ok(captionInk(80, 8, true) > 20, 'red caption under the wrong prediction');
  assert.deepEqual(pixel(80 - 2, 8 + 30), [214, 39, 40], 'red frame');
  assert.deepEqual(pixel(8 - 2, 8 + 30), [255, 255, 255], 'no frame on a right prediction');
  await assert.rejects(renderSampleGrid([]), ShapeError);
});
