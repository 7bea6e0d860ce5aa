import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from '../decode.js';
import type { RawImage } from '../image.js';
import { Rng } from '../random.js';
import { CenterCrop, centerCropBox } from './center-crop.js';
import type { DecodeRole, ImageSize } from './transform.js';
import { crop } from './functional/geometry.js';
import type { Box } from './functional/geometry.js';
import { Normalize } from './normalize.js';
import { ImagePipeline } from './pipeline.js';
import type { Transform } from './transform.js';
import { RandomHorizontalFlip } from './random-horizontal-flip.js';
import { Resize } from './resize.js';

const jpeg = (): Promise<Buffer> => {
  const [w, h] = [60, 44];
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + Math.floor(i / (w * 3)) * 11) & 255;
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
};

/** A user's own centre crop: not a CenterCrop, but it declares the same contribution; counts its per-sample runs. */
class MiddleCrop implements Transform {
  readonly name = 'MiddleCrop';
  applied = 0;
  readonly #height: number;
  readonly #width: number;

  constructor(height: number, width: number) {
    this.#height = height;
    this.#width = width;
  }

  #box(size: ImageSize): Box | null {
    const box = centerCropBox(size.width, size.height, this.#height, this.#width);
    return box.top < 0 || box.left < 0 ? null : box;
  }

  decodeRole(): DecodeRole {
    const plan = (size: ImageSize): { crop: Box } | null => {
      const box = this.#box(size);
      return box === null ? null : { crop: box };
    };
    return { open: { resizesWhole: false, plan }, cropResized: (resized) => this.#box(resized) };
  }

  apply(image: RawImage): RawImage {
    this.applied++;
    return crop(image, centerCropBox(image.width, image.height, this.#height, this.#width));
  }
}

/** A subclass of Resize that only counts its per-sample runs. */
class CountedResize extends Resize {
  applied = 0;

  override async apply(image: RawImage, rng: Rng): Promise<RawImage> {
    this.applied++;
    return super.apply(image, rng);
  }
}

const pipelineOf = (transforms: Transform[]): ImagePipeline => new ImagePipeline({ transforms, decode: { channels: 3 } });

/** Runs both pipelines on the same JPEG with the same streams and asserts the same bytes. */
async function assertSameBytes(actual: ImagePipeline, expected: ImagePipeline, source: Buffer | RawImage): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const a = await actual.run(source, new Rng(i));
    const b = await expected.run(source, new Rng(i));
    assert.deepEqual([a.width, a.height], [b.width, b.height]);
    assert.ok(Buffer.from(a.data).equals(Buffer.from(b.data)), `sample ${i}: bytes differ`);
  }
}

void test("a user's transform declaring CenterCrop's contribution is fused as CenterCrop is (first, and after a Resize)", async () => {
  const bytes = await jpeg();
  const first = new MiddleCrop(30, 30);
  await assertSameBytes(pipelineOf([first]), pipelineOf([new CenterCrop({ size: 30 })]), bytes);
  assert.equal(first.applied, 0, 'the crop ran inside the decode');

  const after = new MiddleCrop(20, 24);
  const user = pipelineOf([new Resize({ size: 30 }), after, new RandomHorizontalFlip()]);
  const builtIn = pipelineOf([new Resize({ size: 30 }), new CenterCrop({ size: [20, 24] }), new RandomHorizontalFlip()]);
  assert.deepEqual(user.jsThreadSteps('file'), builtIn.jsThreadSteps('file'));
  assert.deepEqual(user.jsThreadSteps('file'), []);
  await assertSameBytes(user, builtIn, bytes);
  assert.equal(after.applied, 0, 'the crop of the resize ran inside the decode');

  // On pixels nothing is fused: the transform runs itself, with the same bytes.
  await assertSameBytes(user, builtIn, await decodeImage(bytes, { channels: 3 }));
  assert.equal(after.applied, 6);
});

void test("a subclass of Resize keeps its parent's fusion (and a CenterCrop after it joins)", async () => {
  const bytes = await jpeg();
  const resize = new CountedResize({ size: 30 });
  const sub = pipelineOf([resize, new CenterCrop({ size: 24 }), new RandomHorizontalFlip()]);
  const parent = pipelineOf([new Resize({ size: 30 }), new CenterCrop({ size: 24 }), new RandomHorizontalFlip()]);
  assert.deepEqual(sub.jsThreadSteps('file'), []);
  assert.deepEqual(sub.jsThreadSteps('pixels'), ['Resize', 'CenterCrop', 'RandomHorizontalFlip']);
  await assertSameBytes(sub, parent, bytes);
  assert.equal(resize.applied, 0, 'the resize ran inside the decode');
  await assertSameBytes(sub, parent, await decodeImage(bytes, { channels: 3 }));
  assert.equal(resize.applied, 6);
});

void test("a subclass of Normalize keeps its parent's batch role; a transform with no roles runs per sample", () => {
  class GrayNormalize extends Normalize {}
  const pipeline = pipelineOf([new GrayNormalize({ mean: [0.5], std: [0.25] }), new MiddleCrop(4, 4)]);
  assert.deepEqual(pipeline.normalize, { mean: [0.5], std: [0.25] });
  assert.equal(pipeline.erasing, null);
  assert.deepEqual(pipeline.jsThreadSteps('pixels'), ['MiddleCrop']);
});
