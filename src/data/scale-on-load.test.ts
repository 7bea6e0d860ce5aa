import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { decodeJpeg } from './native-image.js';
import { Rng } from './random.js';
import { scaleOnLoadSize } from './scale-on-load.js';
import { centerCropBox } from './transforms/center-crop.js';
import { crop } from './transforms/functional/geometry.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';
import { Resize } from './transforms/resize.js';

const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('../../scripts/fixtures/scale_on_load.py', import.meta.url));
const hasTorchvision = existsSync(python) && spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;
const skip = !hasTorchvision && 'needs /usr/bin/python3 with torchvision';

// The sizes scale_on_load.py writes, with the DCT scale (M/8) each decodes at before Resize(256):
// the smallest M/8 of 1/8..4/8 still scaleOnLoadGap (1.5) times the 341x256 (256x341) target on both
// sides, else full size. 1500x1125 decodes at 3/8 to 562.5 x 421.875 source pixels: a fractional span.
const SCALES: Record<string, number> = {
  '320x240': 1,
  '500x375': 1,
  '640x480': 1,
  '800x600': 1,
  '769x1025': 4 / 8,
  '1024x768': 4 / 8,
  '1500x1125': 3 / 8,
  '2048x1536': 2 / 8,
};
// Bounds for scaled decodes against torchvision. Mean absolute difference per value: at most one
// level (the contract; measured 0.61 to 0.86 on these images, 0.63 to 0.69 on bench:data's photos at
// 4/8). Largest difference: measured 10 to 23, on the 1-3 pixel lines drawn over noise, where a
// DCT-scaled decode (each block's detail cut at M/8 of its frequencies) and a triangle filter over
// the full decode keep different amounts of the line; 32 leaves room for other libjpeg-turbo builds.
// Share of values within one level: measured 85% to 92%.
// scale_on_load.py's EXACT files: they decode at full size, so the fused Resize + CenterCrop must give torchvision's bytes.
const EXACT = [
  's444-500x375',
  's422-641x479',
  'grey-481x359',
  'progressive-599x449',
  's420-333x517',
  's420-150x113',
  's444-97x61',
  's420-257x256',
];
const MEAN_BOUND = 1;
const MAX_BOUND = 32;
const WITHIN_ONE_BOUND = 0.8;

let generated: { dir: string; expected: Record<string, Uint8Array> } | undefined;
after(() => {
  if (generated !== undefined) rmSync(generated.dir, { recursive: true, force: true });
});

/** Runs the generator once into a temporary folder: the JPEGs, torchvision's Resize(256) + CenterCrop(224) of each, Pillow's drafts. */
function generate(): { dir: string; expected: Record<string, Uint8Array> } {
  if (generated !== undefined) return generated;
  const dir = mkdtempSync(join(tmpdir(), 'scale-on-load-'));
  const made = spawnSync(python, [script, dir], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const { tensors } = loadSafetensors(join(dir, 'torchvision.safetensors'));
  const expected = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.data() as Uint8Array]));
  generated = { dir, expected };
  return generated;
}

/** Mean and largest absolute difference per value, and the share of values within one level. */
function differences(a: Uint8Array, b: Uint8Array): { mean: number; max: number; withinOne: number } {
  assert.equal(a.length, b.length);
  let sum = 0;
  let max = 0;
  let close = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
    if (d <= 1) close++;
  }
  return { mean: sum / a.length, max, withinOne: close / a.length };
}

const evalPipeline = (scaleOnLoad?: boolean, channels: 1 | 3 = 3, cropSize = 224): ImagePipeline =>
  new ImagePipeline({
    transforms: buildTransforms([
      { name: 'Resize', size: 256 },
      { name: 'CenterCrop', size: cropSize },
    ]),
    decode: { channels, scaleOnLoad },
  });

void test(
  'eval Resize(256) + CenterCrop(224): torchvision exactly without scaling, within a level on average with it',
  { skip },
  async () => {
    const { dir, expected } = generate();
    const pipeline = evalPipeline();
    const exact = evalPipeline(false);
    const resize = new Resize({ size: 256 });
    const report: string[] = [];
    for (const [name, scale] of Object.entries(SCALES)) {
      const file = join(dir, `${name}.jpg`);
      const [width, height] = name.split('x').map(Number);
      const to = resize.outputSize(width, height);
      const decoded = await decodeJpeg(readFileSync(file), { channels: 3, minSize: scaleOnLoadSize({ resize: to }, { channels: 3 }) });
      assert.equal(decoded.status, 'ok');
      assert.equal(decoded.status === 'ok' && decoded.scale, scale, `${name}: decoded at scale`);
      const ours = await pipeline.run(file, Rng.forSample(0, 0, 0));
      assert.deepEqual([ours.width, ours.height], [224, 224]);
      const { mean, max, withinOne } = differences(ours.data, expected[name]);
      report.push(`${name} at ${scale * 8}/8: mean ${mean.toFixed(3)}, max ${max}, ${(100 * withinOne).toFixed(1)}% within 1`);
      if (scale === 1) {
        assert.deepEqual(ours.data, Buffer.from(expected[name]), `${name}: torchvision's bytes`);
      } else {
        assert.ok(mean <= MEAN_BOUND, `${name}: mean difference ${mean.toFixed(3)} > ${MEAN_BOUND}`);
        assert.ok(max <= MAX_BOUND, `${name}: largest difference ${max} > ${MAX_BOUND}`);
        assert.ok(withinOne >= WITHIN_ONE_BOUND, `${name}: ${(100 * withinOne).toFixed(1)}% of values within one level`);
      }
      // The escape hatch gives torchvision's bytes for every size.
      assert.deepEqual((await exact.run(file, Rng.forSample(0, 0, 0))).data, Buffer.from(expected[name]), `${name}: scaleOnLoad false`);
    }
    console.log(`scale on load against torchvision: ${report.join('; ')}`);
  },
);

void test(
  "eval Resize(256) + CenterCrop(224) decoding only the crop's window: torchvision's bytes on 4:4:4, 4:2:2, grey, progressive, odd and small images, RGB and L",
  { skip },
  async () => {
    const { dir, expected } = generate();
    const resize = new Resize({ size: 256 });
    for (const channels of [3, 1] as const) {
      const pipeline = evalPipeline(undefined, channels);
      for (const name of EXACT) {
        const file = join(dir, `${name}.jpg`);
        const reference = Buffer.from(expected[channels === 3 ? name : `${name}.L`]);
        const [width, height] = name.split('-')[1].split('x').map(Number);
        const to = resize.outputSize(width, height);
        const keep = centerCropBox(to.width, to.height, 224, 224);
        // The native call the pipeline makes, then the pipeline itself.
        const out = await decodeJpeg(readFileSync(file), { channels, resize: to, cropAfterResize: keep });
        assert.ok(out.status === 'ok' && out.scale === 1, `${name}: decoded at full scale`);
        assert.deepEqual([out.width, out.height], [224, 224]);
        assert.deepEqual(out.data, reference, `${name} (${channels} channels): decodeJpeg cropAfterResize`);
        assert.deepEqual((await pipeline.run(file, Rng.forSample(0, 0, 0))).data, reference, `${name} (${channels} channels): pipeline`);
      }
    }
  },
);

void test('a CenterCrop larger than the resize is not fused: zero padding as torchvision', { skip }, async () => {
  const { dir, expected } = generate();
  const ours = await evalPipeline(undefined, 3, 288).run(join(dir, '500x375.jpg'), Rng.forSample(0, 0, 0));
  assert.deepEqual([ours.width, ours.height], [288, 288]);
  assert.deepEqual(ours.data, Buffer.from(expected['500x375.crop288']));
});

void test("a scaled decode + resize is Pillow's draft() + resize(box=...) exactly (what Image.thumbnail runs)", { skip }, async () => {
  const { dir, expected } = generate();
  const resize = new Resize({ size: 256 });
  const drafts = Object.keys(expected).filter((key) => key.includes('.draft'));
  assert.ok(drafts.length >= 5, `expected Pillow draft references, but got ${drafts.join(', ')}`);
  for (const key of drafts) {
    const [name, draft] = key.split('.');
    const s = Number(draft.slice('draft'.length));
    const [width, height] = name.split('x').map(Number);
    const to = resize.outputSize(width, height);
    const minSize = { width: Math.ceil(width / s), height: Math.ceil(height / s) };
    const out = await decodeJpeg(readFileSync(join(dir, `${name}.jpg`)), { channels: 3, minSize, resize: to });
    assert.ok(out.status === 'ok' && out.scale === 1 / s, `${key}: decoded at 1/${s}`);
    assert.deepEqual([out.width, out.height], [to.width, to.height]);
    assert.deepEqual(out.data, Buffer.from(expected[key]), `${key}: Pillow's bytes`);
    // Only the centre crop's pixels, and the source window they read, decoded: that crop of Pillow's bytes.
    const keep = centerCropBox(to.width, to.height, 224, 224);
    const kept = await decodeJpeg(readFileSync(join(dir, `${name}.jpg`)), { channels: 3, minSize, resize: to, cropAfterResize: keep });
    assert.ok(kept.status === 'ok' && kept.scale === 1 / s, `${key}: cropAfterResize decoded at 1/${s}`);
    const pillowCrop = crop({ data: Buffer.from(expected[key]), width: to.width, height: to.height, channels: 3 }, keep).data;
    assert.deepEqual(kept.data, pillowCrop, `${key}: the crop of Pillow's bytes`);
  }
});

// Pillow's encode of a 61x47 noisy gradient (scripts/fixtures/jpeg.py), and its full decode.
const pillow = loadSafetensors(fileURLToPath(new URL('../../test/fixtures/jpeg/pillow.safetensors', import.meta.url))).tensors;

void test('decodeJpeg minSize: the smallest scale up to 4/8 that covers it, else the full decode (Pillow bytes)', async () => {
  const jpeg = Buffer.from(pillow['s420.jpeg'].data() as Uint8Array);
  const cases = [
    { minSize: { width: 8, height: 6 }, scale: 1 / 8, size: [8, 6] },
    { minSize: { width: 9, height: 6 }, scale: 2 / 8, size: [16, 12] },
    { minSize: { width: 23, height: 18 }, scale: 3 / 8, size: [23, 18] },
    { minSize: { width: 31, height: 24 }, scale: 4 / 8, size: [31, 24] },
    { minSize: { width: 32, height: 24 }, scale: 1, size: [61, 47] }, // 5/8 would cover it, but is no faster than 8/8
  ];
  for (const { minSize, scale, size } of cases) {
    const out = await decodeJpeg(jpeg, { channels: 3, minSize });
    assert.ok(out.status === 'ok', JSON.stringify(minSize));
    assert.deepEqual([out.scale, out.width, out.height], [scale, ...size], JSON.stringify(minSize));
    if (scale === 1) assert.deepEqual(out.data, Buffer.from(pillow['s420.rgb'].data() as Uint8Array));
  }
  const crop = { left: 0, top: 0, width: 8, height: 8 };
  await assert.rejects(decodeJpeg(jpeg, { channels: 3, crop, minSize: { width: 8, height: 8 } }), /expected minSize or crop, but got both/);
});

void test('scaleOnLoadSize: scaleOnLoadGap times a whole-image resize; nothing for crops or with scaleOnLoad false', () => {
  assert.deepEqual(scaleOnLoadSize({ resize: { width: 341, height: 256 } }, { channels: 3 }), { width: 512, height: 384 });
  const crop = { left: 0, top: 0, width: 100, height: 100 };
  assert.equal(scaleOnLoadSize({ crop, resize: { width: 224, height: 224 } }, { channels: 3 }), undefined);
  assert.equal(scaleOnLoadSize({ resize: { width: 341, height: 256 } }, { channels: 3, scaleOnLoad: false }), undefined);
  assert.equal(scaleOnLoadSize({ crop }, { channels: 3 }), undefined);
});
