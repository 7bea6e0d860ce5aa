import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { DataError } from '../errors.js';
import { decodeImage } from './decode.js';
import {
  adjustColorsNative,
  decodeJpeg,
  jpegLibraryVersion,
  resampleBilinear,
  weightedBlend,
  writeThroughTable,
  writeThroughTableAsync,
} from './native-image.js';

// Written by scripts/fixtures/jpeg.py: Pillow's encodes and decodes.
const fixture = loadSafetensors(fileURLToPath(new URL('../../test/fixtures/jpeg/pillow.safetensors', import.meta.url))).tensors;
const bytesOf = (name: string): Buffer => Buffer.from(fixture[name].data() as Uint8Array);
const BOXES = [
  { crop: { left: 5, top: 3, width: 37, height: 29 }, resize: { width: 40, height: 36 } },
  { crop: { left: 2, top: 1, width: 57, height: 44 }, resize: { width: 20, height: 16 } },
  { crop: { left: 0, top: 0, width: 61, height: 47 }, resize: { width: 7, height: 5 } },
];
const NAMES = ['s420', 's422', 's444', 'progressive', 'grey'];

function mirrored(data: Buffer, width: number, channels: number): Buffer {
  const out = Buffer.alloc(data.length);
  const row = width * channels;
  for (let y = 0; y < data.length / row; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) out[y * row + (width - 1 - x) * channels + c] = data[y * row + x * channels + c];
  return out;
}

async function ok(bytes: Buffer, request: Parameters<typeof decodeJpeg>[1]): Promise<{ data: Buffer; width: number; height: number }> {
  const out = await decodeJpeg(bytes, request);
  if (out.status !== 'ok') assert.fail(`expected a decoded image, but got ${out.status}: ${out.message}`);
  return out;
}

void test('decodeJpeg gives Pillow bytes exactly: RGB and L, every subsampling, progressive, grey', async () => {
  assert.match(jpegLibraryVersion(), /libjpeg/);
  for (const name of NAMES) {
    const jpeg = bytesOf(`${name}.jpeg`);
    const rgb = await ok(jpeg, { channels: 3 });
    assert.deepEqual([rgb.width, rgb.height], [61, 47]);
    assert.deepEqual(rgb.data, bytesOf(`${name}.rgb`), `${name} rgb`);
    assert.deepEqual((await ok(jpeg, { channels: 1 })).data, bytesOf(`${name}.l`), `${name} L`);
  }
});

void test('decodeJpeg crops (only the box decoded) and resizes as Pillow crop().resize(BILINEAR); mirror flips', async () => {
  for (const name of NAMES) {
    const jpeg = bytesOf(`${name}.jpeg`);
    for (const [i, { crop, resize }] of BOXES.entries()) {
      const expected = bytesOf(`${name}.box${i}`);
      assert.deepEqual((await ok(jpeg, { channels: 3, crop, resize })).data, expected, `${name} box ${i}`);
      assert.deepEqual((await ok(jpeg, { channels: 3, crop, resize, mirror: true })).data, mirrored(expected, resize.width, 3));
    }
    // A crop alone equals the same region of the full decode, at every offset class of the iMCU grid.
    const full = bytesOf(`${name}.rgb`);
    for (const [left, top, width, height] of [
      [0, 0, 61, 47],
      [1, 2, 7, 5],
      [15, 9, 33, 30],
      [16, 16, 45, 31],
      [40, 40, 21, 7],
    ]) {
      const out = await ok(jpeg, { channels: 3, crop: { left, top, width, height } });
      const expected = Buffer.alloc(width * height * 3);
      for (let y = 0; y < height; y++) full.copy(expected, y * width * 3, ((top + y) * 61 + left) * 3, ((top + y) * 61 + left + width) * 3);
      assert.deepEqual(out.data, expected, `${name} crop ${left},${top} ${width}x${height}`);
    }
  }
});

void test("a crop equals the full decode's region at every column offset: chroma upsampling context at the crop's edges", async () => {
  for (const name of NAMES) {
    const jpeg = bytesOf(`${name}.jpeg`);
    const full = bytesOf(`${name}.rgb`);
    for (let left = 0; left < 45; left++) {
      for (const [width, top, height] of [
        [1, 1, 2],
        [2, 7, 2],
        [5, 8, 9],
        [16, 9, 1],
        [17, 17, 2],
      ]) {
        const out = await ok(jpeg, { channels: 3, crop: { left, top, width, height } });
        const expected = Buffer.alloc(width * height * 3);
        for (let y = 0; y < height; y++)
          full.copy(expected, y * width * 3, ((top + y) * 61 + left) * 3, ((top + y) * 61 + left + width) * 3);
        assert.deepEqual(out.data, expected, `${name} crop ${left},${top} ${width}x${height}`);
      }
    }
  }
});

void test('decodeJpeg cropAfterResize gives that crop of the whole resize (Pillow bytes): every subsampling, RGB and L, mirror, colours', async () => {
  const cropOf = (data: Buffer, width: number, channels: number, box: { left: number; top: number; width: number; height: number }) => {
    const out = Buffer.alloc(box.width * box.height * channels);
    for (let y = 0; y < box.height; y++)
      data.copy(
        out,
        y * box.width * channels,
        ((box.top + y) * width + box.left) * channels,
        ((box.top + y) * width + box.left + box.width) * channels,
      );
    return out;
  };
  // Shrinking and enlarging, one axis kept at its size; boxes at the corners, the centre and one pixel.
  const cases = [
    {
      resize: { width: 40, height: 30 },
      keep: [
        { left: 8, top: 3, width: 24, height: 24 },
        { left: 0, top: 0, width: 40, height: 30 },
      ],
    },
    {
      resize: { width: 61, height: 20 },
      keep: [
        { left: 0, top: 5, width: 13, height: 15 },
        { left: 60, top: 19, width: 1, height: 1 },
      ],
    },
    {
      resize: { width: 97, height: 47 },
      keep: [
        { left: 30, top: 0, width: 41, height: 47 },
        { left: 90, top: 40, width: 7, height: 7 },
      ],
    },
    { resize: { width: 9, height: 100 }, keep: [{ left: 1, top: 45, width: 7, height: 10 }] },
  ];
  const colors = [{ op: 'contrast', factor: 0.7 }] as const;
  for (const name of NAMES) {
    const jpeg = bytesOf(`${name}.jpeg`);
    for (const channels of [3, 1] as const) {
      for (const { resize, keep: boxes } of cases) {
        const whole = await ok(jpeg, { channels, resize });
        for (const keep of boxes) {
          const what = `${name} ${channels} channel(s) ${resize.width}x${resize.height} keep ${JSON.stringify(keep)}`;
          const expected = cropOf(whole.data, resize.width, channels, keep);
          const out = await ok(jpeg, { channels, resize, cropAfterResize: keep });
          assert.deepEqual([out.width, out.height], [keep.width, keep.height], what);
          assert.deepEqual(out.data, expected, what);
          const flipped = await ok(jpeg, { channels, resize, cropAfterResize: keep, mirror: true });
          assert.deepEqual(flipped.data, mirrored(expected, keep.width, channels), `${what} mirrored`);
          const jittered = await ok(jpeg, { channels, resize, cropAfterResize: keep, colors });
          assert.deepEqual(jittered.data, adjustColorsNative(expected, channels, colors), `${what} with colours`);
        }
      }
    }
  }
  const jpeg = bytesOf('s420.jpeg');
  const keep = { left: 0, top: 0, width: 8, height: 8 };
  await assert.rejects(decodeJpeg(jpeg, { channels: 3, cropAfterResize: keep }), /expected cropAfterResize with resize and without crop/);
  await assert.rejects(
    decodeJpeg(jpeg, { channels: 3, resize: { width: 8, height: 7 }, cropAfterResize: keep }),
    /expected cropAfterResize inside the resize's 8x7/,
  );
});

void test('resampleBilinear gives Pillow BILINEAR bytes on noise, RGB and L, shrinking and growing', () => {
  const sizes = [
    [7, 5],
    [20, 16],
    [26, 41],
    [53, 20],
    [97, 83],
    [224, 200],
    [31, 77],
    [3, 120],
  ];
  for (const [mode, channels] of [
    ['RGB', 3],
    ['L', 1],
  ] as const) {
    const src = bytesOf(channels === 3 ? 'noise.rgb' : 'noise.l');
    for (const [width, height] of sizes) {
      const expected = bytesOf(`noise.${mode}.${width}x${height}`);
      assert.deepEqual(resampleBilinear(src, 53, 41, channels, { width, height }, false), expected, `${mode} ${width}x${height}`);
      assert.deepEqual(resampleBilinear(src, 53, 41, channels, { width, height }, true), mirrored(expected, width, channels));
    }
  }
});

void test('decodeJpeg runs colour steps after the resize: the bytes of adjustColors on its output', async () => {
  const jpeg = bytesOf('s420.jpeg');
  const colors = [
    { op: 'saturation', factor: 1.4 },
    { op: 'brightness', factor: 0.7 },
    { op: 'contrast', factor: 1.3 },
  ] as const;
  const plain = await ok(jpeg, { channels: 3, ...BOXES[0] });
  const jittered = await ok(jpeg, { channels: 3, ...BOXES[0], colors });
  assert.deepEqual(jittered.data, adjustColorsNative(plain.data, 3, colors));
});

void test('files the native decoder leaves aside: CMYK is unsupported, damaged files fail; decodeImage still answers', async () => {
  const cmyk = bytesOf('cmyk.jpeg');
  const out = await decodeJpeg(cmyk, { channels: 3 });
  assert.equal(out.status, 'unsupported');
  const viaSharp = await decodeImage(cmyk, { channels: 3 });
  assert.deepEqual([viaSharp.width, viaSharp.height, viaSharp.channels], [61, 47, 3]);

  const jpeg = bytesOf('s420.jpeg');
  const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
  assert.notEqual((await decodeJpeg(truncated, { channels: 3 })).status, 'ok');
  const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);
  const failed = await decodeJpeg(garbage, { channels: 3 });
  assert.equal(failed.status, 'failed');
  await assert.rejects(
    decodeImage(garbage, { channels: 3, name: 'broken.jpg' }),
    (e: unknown) => e instanceof DataError && /broken\.jpg/.test(e.message),
  );

  const outside = await decodeJpeg(jpeg, { channels: 3, crop: { left: 50, top: 0, width: 20, height: 10 } });
  assert.deepEqual(outside, { status: 'failed', message: 'crop box outside the image' });
  const limited = await decodeJpeg(jpeg, { channels: 3, maxPixels: 100 });
  assert.equal(limited.status, 'unsupported');
  await assert.rejects(decodeImage(jpeg, { channels: 3, maxPixels: 100 }), /at most 100 pixels/);
});

void test('many decodes in flight on the thread pool give the bytes of one at a time', async () => {
  const jpeg = bytesOf('s444.jpeg');
  const one = await ok(jpeg, { channels: 3, ...BOXES[1], mirror: true });
  const all = await Promise.all(Array.from({ length: 24 }, () => ok(jpeg, { channels: 3, ...BOXES[1], mirror: true })));
  for (const out of all) assert.deepEqual(out.data, one.data);
});

void test('writeThroughTable (and its thread-pool twin) writes planar or interleaved floats through the table', async () => {
  const src = Buffer.from([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  const table = Float32Array.from({ length: 768 }, (_, i) => (i % 256) + 1000 * Math.floor(i / 256));
  const planar = new Float32Array(14);
  writeThroughTable(planar, 2, src, 4, 3, table, true);
  assert.deepEqual([...planar], [0, 0, 0, 3, 250, 253, 1001, 1004, 1251, 1254, 2002, 2005, 2252, 2255]);
  const interleaved = new Float32Array(12);
  await writeThroughTableAsync(interleaved, 0, src, 4, 3, table, false);
  assert.deepEqual([...interleaved], [0, 1001, 2002, 3, 1004, 2005, 250, 1251, 2252, 253, 1254, 2255]);
  const grey = new Float32Array(3);
  writeThroughTable(grey, 0, src.subarray(0, 3), 3, 1, table, true);
  assert.deepEqual([...grey], [0, 1, 2]);
});

// Written by scripts/fixtures/hue.py: torchvision's F.adjust_hue on a PIL image (Pillow's HSV round trip).
const hueFixture = loadSafetensors(fileURLToPath(new URL('../../test/fixtures/jpeg/pillow-hue.safetensors', import.meta.url))).tensors;
const HUE_FACTORS = [-0.5, -0.37, -0.1, -0.003, 0, 0.003, 0.1, 0.25, 0.4999, 0.5];

void test("hue gives torchvision's adjust_hue on PIL images byte for byte: every grid colour, noise, negative and edge factors", () => {
  const image = Buffer.from(hueFixture.image.data() as Uint8Array);
  for (const factor of HUE_FACTORS) {
    const expected = Buffer.from(hueFixture[`hue_${factor}`].data() as Uint8Array);
    const out = adjustColorsNative(image, 3, [{ op: 'hue', factor }]);
    let wrong = 0;
    for (let i = 0; i < out.length; i++) if (out[i] !== expected[i]) wrong++;
    assert.equal(wrong, 0, `hue ${factor}: ${wrong} of ${out.length} values differ`);
  }
  // Not the identity for a non-zero factor (the comparison above could not pass by doing nothing).
  assert.notDeepEqual(adjustColorsNative(image, 3, [{ op: 'hue', factor: 0.1 }]), image);
  const grey = Buffer.from([0, 90, 255, 17]);
  assert.deepEqual(adjustColorsNative(grey, 1, [{ op: 'hue', factor: 0.3 }]), grey);
});

void test('decodeJpeg runs hue among the other colour steps: the bytes of adjustColors, and of the steps one call each', async () => {
  const jpeg = bytesOf('s444.jpeg');
  const colors = [
    { op: 'contrast', factor: 0.8 },
    { op: 'hue', factor: -0.21 },
    { op: 'saturation', factor: 1.3 },
    { op: 'brightness', factor: 1.1 },
    { op: 'hue', factor: 0.07 },
  ] as const;
  const plain = await ok(jpeg, { channels: 3, ...BOXES[1] });
  const jittered = await ok(jpeg, { channels: 3, ...BOXES[1], colors });
  assert.deepEqual(jittered.data, adjustColorsNative(plain.data, 3, colors));
  const oneByOne = colors.reduce((data, step) => adjustColorsNative(data, 3, [step]), plain.data);
  assert.deepEqual(jittered.data, oneByOne);
});

void test('bad arguments are TypeErrors that name the function and the argument, never a crash', async () => {
  const jpeg = bytesOf('s420.jpeg');
  assert.throws(
    () => resampleBilinear(Buffer.alloc(5), 2, 2, 3, { width: 4, height: 4 }, false),
    /resampleBilinear: expected width \* height/,
  );
  assert.throws(() => resampleBilinear(Buffer.alloc(12), 2, 2, 3, { width: 0, height: 4 }, false), /outWidth/);
  assert.throws(() => adjustColorsNative(Buffer.alloc(6), 3, [{ op: 'sharpness' as 'contrast', factor: 1 }]), /adjustColors/);
  assert.throws(() => adjustColorsNative(Buffer.alloc(6), 3, [{ op: 'hue', factor: 0.6 }]), /hue factor in \[-0.5, 0.5\]/);
  assert.throws(() => adjustColorsNative(Buffer.alloc(6), 3, [{ op: 'contrast', factor: -1 }]), /factor >= 0/);
  assert.throws(() => weightedBlend(Buffer.alloc(6), [Buffer.alloc(5)], Float32Array.of(0.5, 0.5)), /weightedBlend: expected every chain/);
  assert.throws(() => weightedBlend(Buffer.alloc(6), [Buffer.alloc(6)], Float32Array.of(1)), /weightedBlend: expected one weight/);
  assert.throws(() => writeThroughTable(new Float32Array(5), 0, Buffer.alloc(12), 4, 3, new Float32Array(768), true), /large enough/);
  assert.throws(() => writeThroughTable(new Float32Array(12), 0, Buffer.alloc(12), 4, 3, new Float32Array(10), true), /large enough/);
  await assert.rejects(
    async () => decodeJpeg(jpeg, { channels: 2 as 3 }),
    (e: unknown) => e instanceof TypeError && /channels 1 or 3/.test(e.message),
  );
  await assert.rejects(
    async () => decodeJpeg(jpeg, { channels: 3, crop: { left: -1, top: 0, width: 2, height: 2 } }),
    /integers in \[0, 65536\] in crop/,
  );
  await assert.rejects(
    async () => decodeJpeg(jpeg, { channels: 3, resize: { width: 0, height: 2 } }),
    /integers in \[1, 65536\] in resize/,
  );
});
