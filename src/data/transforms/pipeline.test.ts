import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ConfigError } from '../../errors.js';
import { Rng } from '../random.js';
import { decodeImage } from '../decode.js';
import { ImagePipeline, buildTransforms } from './pipeline.js';
import { randomResizedCropParams } from './random-resized-crop.js';
import { RandomErasing } from './random-erasing.js';
import * as torch from '../../torch/index.js';

const gradient = (w: number, h: number): Buffer => {
  const b = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    b[i * 3] = (i % w) * 3;
    b[i * 3 + 1] = Math.floor(i / w) * 2;
    b[i * 3 + 2] = (i * 7) & 255;
  }
  return b;
};
const jpegOf = (w: number, h: number, orientation?: number): Promise<Buffer> => {
  const s = sharp(gradient(w, h), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 });
  return (orientation === undefined ? s : s.withMetadata({ orientation })).toBuffer();
};
const every = [
  { name: 'RandomResizedCrop', size: 24 },
  { name: 'RandomHorizontalFlip' },
  { name: 'RandomVerticalFlip', p: 0.3 },
  { name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  { name: 'RandomGrayscale', p: 0.2 },
  { name: 'RandomRotation', degrees: 10 },
  { name: 'RandomAffine', degrees: 5, translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 5 },
  { name: 'GaussianBlur', kernelSize: 3 },
  { name: 'RandAugment' },
  { name: 'TrivialAugmentWide' },
  { name: 'RandomCrop', size: 20, padding: 2 },
  { name: 'ToTensor' },
  { name: 'Normalize' },
  { name: 'RandomErasing', p: 0.5 },
];

void test('buildTransforms builds every transform and exposes Normalize and RandomErasing to the loader', () => {
  const pipeline = new ImagePipeline({ transforms: buildTransforms(every), decode: { channels: 3 } });
  assert.equal(pipeline.transforms.length, every.length);
  assert.deepEqual(pipeline.normalize, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.ok(pipeline.erasing instanceof RandomErasing);
  assert.equal(new ImagePipeline({ transforms: [], decode: { channels: 3 } }).normalize, null);
});

void test('buildTransforms reports every bad entry with its path and lists valid names', () => {
  assert.throws(
    () => buildTransforms([{ name: 'RandomResizedCrop', size: -1 }, { name: 'Blur' }, { name: 'ColorJitter', brightnes: 1 }]),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const paths = e.issues.map((i) => i.path);
      assert.ok(paths.includes('[0].size') && paths.includes('[1].name') && paths.some((p) => p.startsWith('[2]')), paths.join());
      assert.match(
        e.issues.find((i) => i.path === '[1].name')!.message,
        /expected one of RandomResizedCrop, Resize, .*ToTensor, but got 'Blur'/,
      );
      return true;
    },
  );
});

void test('same seed gives the same bytes; another seed gives others', async () => {
  const jpeg = await jpegOf(40, 32);
  const pipeline = new ImagePipeline({ transforms: buildTransforms(every), decode: { channels: 3 } });
  for (let i = 0; i < 6; i++) {
    const a = await pipeline.run(jpeg, Rng.forSample(7, 0, i));
    const b = await pipeline.run(jpeg, Rng.forSample(7, 0, i));
    assert.deepEqual(a, b);
    assert.deepEqual([a.width, a.height, a.channels], [20, 20, 3]);
  }
  const c = await pipeline.run(jpeg, Rng.forSample(8, 0, 0));
  assert.notDeepEqual(c.data, (await pipeline.run(jpeg, Rng.forSample(7, 0, 0))).data);
});

void test('fused decode+crop+resize equals decode then transforms (also with EXIF rotation)', async () => {
  for (const orientation of [undefined, 6]) {
    const jpeg = await jpegOf(60, 44, orientation);
    for (const entries of [
      [{ name: 'RandomResizedCrop', size: 16 }],
      [{ name: 'RandomResizedCrop', size: 50, scale: [0.5, 1] }],
      [
        { name: 'Resize', size: 20 },
        { name: 'CenterCrop', size: 16 },
      ],
      [{ name: 'CenterCrop', size: 30 }],
    ]) {
      const transforms = buildTransforms(entries);
      const fused = new ImagePipeline({ transforms, decode: { channels: 3 } });
      const decoded = await decodeImage(jpeg, { channels: 3 });
      for (let i = 0; i < 3; i++) {
        const a = await fused.run(jpeg, new Rng(i));
        const b = await fused.run(decoded, new Rng(i));
        assert.deepEqual([a.width, a.height], [b.width, b.height]);
        let maxDiff = 0;
        for (let k = 0; k < a.data.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a.data[k] - b.data[k]));
        assert.equal(maxDiff, 0, `${JSON.stringify(entries)} orientation ${orientation}: max diff ${maxDiff}`);
      }
    }
  }
});

void test('RandomResizedCrop params: area within scale, aspect within ratio, inside the image; fallback is a centre crop', () => {
  const rng = new Rng(1);
  let areaSum = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const b = randomResizedCropParams(320, 240, [0.08, 1], [3 / 4, 4 / 3], rng);
    assert.ok(b.top >= 0 && b.left >= 0 && b.top + b.height <= 240 && b.left + b.width <= 320);
    const area = (b.width * b.height) / (320 * 240);
    areaSum += area;
    if ((b.width < 320 && b.height < 240) || area < 1) {
      assert.ok(area >= 0.08 * 0.95 && area <= 1.0001, `area ${area}`);
      assert.ok(b.width / b.height >= 0.75 * 0.97 && b.width / b.height <= (4 / 3) * 1.03, `ratio ${b.width / b.height}`);
    }
  }
  // Accepted areas are uniform on [0.08, 1] truncated by the image; the mean sits well inside.
  assert.ok(areaSum / n > 0.35 && areaSum / n < 0.6, `mean area ${areaSum / n}`);
  // A 1000x10 strip: no draw fits, so torchvision's fallback crops the centre at the widest ratio.
  assert.deepEqual(randomResizedCropParams(1000, 10, [0.9, 1], [3 / 4, 4 / 3], new Rng(2)), { top: 0, left: 493, height: 10, width: 13 });
});

void test('RandomErasing erases boxes in a float batch, per image, deterministically', () => {
  const erasing = new RandomErasing({ p: 1, value: [1, 2, 3] });
  torch.tidy(() => {
    const images = torch.zeros([2, 3, 16, 16]);
    erasing.applyToBatch(images, [new Rng(1), new Rng(2)]);
    const box = erasing.sampleBox(16, 16, new Rng(1))!;
    const data = images.data() as Float32Array;
    const ch1 = data.subarray(256, 512);
    const erased = ch1.reduce((n, v) => n + (v === 2 ? 1 : 0), 0);
    assert.equal(erased, box.height * box.width);
    assert.equal(ch1[box.top * 16 + box.left], 2);
    assert.ok(box.height * box.width >= 0.02 * 256 * 0.8 && box.height * box.width <= 0.33 * 256 * 1.2);
  });
});

void test('a flip (and a CenterCrop after a Resize) fused into the decode gives the bytes of the separate steps (enlarging and shrinking)', async () => {
  const jpeg = await jpegOf(60, 44);
  const decoded = await decodeImage(jpeg, { channels: 3 });
  const cases = [
    { entries: [{ name: 'RandomResizedCrop', size: 50, scale: [0.05, 0.2] }, { name: 'RandomHorizontalFlip' }], tolerance: 0 },
    {
      entries: [
        { name: 'RandomResizedCrop', size: 16 },
        { name: 'RandomHorizontalFlip', p: 1 },
      ],
      tolerance: 0,
    },
    {
      entries: [
        { name: 'Resize', size: 30 },
        { name: 'CenterCrop', size: [20, 24] },
        { name: 'RandomHorizontalFlip' },
        { name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
      ],
      tolerance: 0,
    },
  ];
  for (const { entries, tolerance } of cases) {
    const pipeline = new ImagePipeline({ transforms: buildTransforms(entries), decode: { channels: 3 } });
    for (let i = 0; i < 6; i++) {
      const a = await pipeline.run(jpeg, new Rng(i));
      const b = await pipeline.run(decoded, new Rng(i));
      let maxDiff = 0;
      for (let k = 0; k < a.data.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a.data[k] - b.data[k]));
      assert.ok(maxDiff <= tolerance, `${JSON.stringify(entries)} sample ${i}: max diff ${maxDiff}`);
    }
  }
});
