import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { readImageSize } from './image-header.js';

const base = (width: number, height: number, channels: 1 | 3 = 3): Sharp =>
  sharp(Buffer.alloc(width * height * channels, 90), { raw: { width, height, channels } });

void test('JPEG and PNG sizes match sharp metadata after auto-orientation', async () => {
  const files: Buffer[] = [
    await base(37, 21).jpeg().toBuffer(),
    await base(37, 21, 1).jpeg({ progressive: true }).toBuffer(),
    await base(19, 40).png().toBuffer(),
    await base(5, 3, 1).png({ palette: true }).toBuffer(),
    // An XMP APP1 after the EXIF one must not hide the orientation.
    await base(30, 12).jpeg().withMetadata({ orientation: 6 }).withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>').toBuffer(),
  ];
  for (let orientation = 1; orientation <= 8; orientation++) files.push(await base(30, 12).jpeg().withMetadata({ orientation }).toBuffer());
  for (const bytes of files) {
    const meta = await sharp(bytes).metadata();
    const expected = meta.format === 'jpeg' ? { ...meta.autoOrient, orientation: meta.orientation ?? 1 } : meta.autoOrient;
    assert.deepEqual(readImageSize(bytes), expected, `${meta.format} orientation ${meta.orientation}`);
  }
});

void test('other formats and broken headers give null (sharp decides)', async () => {
  assert.equal(readImageSize(await base(8, 8).webp().toBuffer()), null);
  assert.equal(readImageSize(await base(8, 8).gif().toBuffer()), null);
  const jpeg = await base(8, 8).jpeg().toBuffer();
  assert.equal(readImageSize(jpeg.subarray(0, 10)), null);
  assert.equal(readImageSize(Buffer.from('not an image at all, just text')), null);
});
