import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DataError } from '../errors.js';
import { decodeImage } from './decode.js';

const raw = (width: number, height: number, channels: 1 | 3 | 4, fn: (x: number, y: number, c: number) => number): Buffer => {
  const b = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) b[(y * width + x) * channels + c] = fn(x, y, c);
  return b;
};
const at = (img: { data: Buffer; width: number; channels: number }, x: number, y: number): number[] => [
  ...img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels),
];

void test('PNG with alpha is composited on white by default, or on the given background', async () => {
  // left half transparent red, right half opaque blue
  const png = await sharp(
    raw(4, 2, 4, (x, _y, c) => (c === 3 ? (x < 2 ? 0 : 255) : c === 0 ? (x < 2 ? 255 : 0) : c === 2 ? (x < 2 ? 0 : 255) : 0)),
    { raw: { width: 4, height: 2, channels: 4 } },
  )
    .png()
    .toBuffer();
  const white = await decodeImage(png, { channels: 3 });
  assert.deepEqual([white.width, white.height, white.channels], [4, 2, 3]);
  assert.deepEqual(at(white, 0, 0), [255, 255, 255]);
  assert.deepEqual(at(white, 3, 1), [0, 0, 255]);
  const grey = await decodeImage(png, { channels: 3, background: [10, 20, 30] });
  assert.deepEqual(at(grey, 1, 0), [10, 20, 30]);
});

void test('grayscale PNG gives 3 equal channels or 1 channel; RGB to 1 channel uses PIL L weights', async () => {
  const png = await sharp(
    raw(3, 1, 1, (x) => x * 100),
    { raw: { width: 3, height: 1, channels: 1 } },
  )
    .png()
    .toBuffer();
  assert.deepEqual([...(await decodeImage(png, { channels: 3 })).data], [0, 0, 0, 100, 100, 100, 200, 200, 200]);
  assert.deepEqual([...(await decodeImage(png, { channels: 1 })).data], [0, 100, 200]);
  const rgb = await sharp(Buffer.from([200, 100, 50]), { raw: { width: 1, height: 1, channels: 3 } })
    .png()
    .toBuffer();
  // PIL: L = (200*19595 + 100*38470 + 50*7471 + 0x8000) >> 16 = 124
  assert.deepEqual([...(await decodeImage(rgb, { channels: 1 })).data], [124]);
});

void test('palette and 16-bit PNGs come out as 8-bit RGB', async () => {
  const pixels = raw(4, 4, 3, (x, y, c) => (c === 0 ? x * 60 : c === 1 ? y * 60 : 30));
  const palette = await sharp(pixels, { raw: { width: 4, height: 4, channels: 3 } })
    .png({ palette: true, colours: 256, dither: 0 })
    .toBuffer();
  assert.equal((await sharp(palette).metadata()).isPalette, true);
  const a = await decodeImage(palette, { channels: 3 });
  assert.deepEqual(at(a, 3, 2), [180, 120, 30]);
  const deep = await sharp(pixels, { raw: { width: 4, height: 4, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  const b = await decodeImage(deep, { channels: 3 });
  assert.deepEqual(at(b, 3, 2), [180, 120, 30]);
});

void test('CMYK JPEG is converted to RGB', async () => {
  const cmyk = await sharp(
    raw(8, 8, 3, (_x, _y, c) => (c === 0 ? 220 : 20)),
    { raw: { width: 8, height: 8, channels: 3 } },
  )
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const img = await decodeImage(cmyk, { channels: 3 });
  assert.equal(img.channels, 3);
  const [r, g, b] = at(img, 4, 4);
  assert.ok(r > 150 && g < 80 && b < 80, `reddish, got ${[r, g, b]}`);
});

void test('EXIF orientation 6 is applied (a 4x2 image reads as 2x4, rotated clockwise)', async () => {
  // left column white, rest black
  const jpeg = await sharp(
    raw(8, 4, 3, (x) => (x < 2 ? 255 : 0)),
    { raw: { width: 8, height: 4, channels: 3 } },
  )
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const img = await decodeImage(jpeg, { channels: 3 });
  assert.deepEqual([img.width, img.height], [4, 8]);
  // rotated 90° clockwise: the left column becomes the top row
  assert.ok(at(img, 2, 0)[0] > 200 && at(img, 2, 7)[0] < 50);
});

void test('animated GIF and WebP give their first frame', async () => {
  const frames = raw(4, 8, 3, (_x, y) => (y < 4 ? 20 : 230));
  for (const format of ['gif', 'webp'] as const) {
    const s = sharp(frames, { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } });
    const buf = await (format === 'gif' ? s.gif() : s.webp({ lossless: true })).toBuffer();
    assert.equal((await sharp(buf).metadata()).pages, 2, format);
    const img = await decodeImage(buf, { channels: 3 });
    assert.deepEqual([img.width, img.height], [4, 4], format);
    assert.ok(at(img, 1, 1)[0] < 60, `${format} first frame is dark`);
  }
});

void test('a truncated JPEG and a missing file throw a DataError naming the file', async () => {
  const jpeg = await sharp(
    raw(64, 64, 3, (x, y) => (x * y) & 255),
    { raw: { width: 64, height: 64, channels: 3 } },
  )
    .jpeg()
    .toBuffer();
  await assert.rejects(
    decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), { channels: 3 }),
    (e: unknown) => e instanceof DataError && /decodeImage: expected a readable image in <buffer/.test(e.message),
  );
  await assert.rejects(
    decodeImage('/nonexistent/cat.jpg', { channels: 3 }),
    (e: unknown) => e instanceof DataError && e.message.includes('/nonexistent/cat.jpg'),
  );
});

void test('an image over maxPixels throws a DataError', async () => {
  const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  await assert.rejects(
    decodeImage(png, { channels: 3, maxPixels: 10_000 }),
    (e: unknown) => e instanceof DataError && /at most 10000 pixels/.test(e.message),
  );
  assert.equal((await decodeImage(png, { channels: 3, maxPixels: 20_000 })).width, 200);
});
