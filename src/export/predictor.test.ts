// The predictor on a folder of generated images: both backends give the module's own softmax
// top-k (preprocessing from the ONNX metadata), in batches, skipping an unreadable file by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { collate } from '../data/collate.js';
import { Rng } from '../data/random.js';
import { CenterCrop } from '../data/transforms/center-crop.js';
import { ImagePipeline } from '../data/transforms/pipeline.js';
import { Resize } from '../data/transforms/resize.js';
import { makeTempDir } from '../data/test-images.test-helper.js';
import { resnet18 } from '../models/resnet.js';
import * as torch from '../torch/index.js';
import { exportOnnx } from './onnx/export-onnx.js';
import { Predictor } from './predictor.js';
import { randomizeBatchNorm, tinyMetadata } from './testing.test-helper.js';

torch.setNumThreads(1); // see export-onnx.test.ts

async function writeNoise(file: string, width: number, height: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const pixels = Buffer.from(Array.from({ length: width * height * 3 }, () => rng.nextUint32() & 255));
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  await writeFile(file, await (file.endsWith('.jpg') ? image.jpeg({ quality: 90 }) : image.png()).toBuffer());
}

void test('Predictor: libtorch and onnxruntime give the module top-k softmax; a broken file is skipped by name', async () => {
  const dir = await makeTempDir('predictor-');
  try {
    const images = join(dir, 'images');
    await mkdir(images);
    const sizes = [
      [24, 30],
      [40, 20],
      [17, 17],
      [64, 48],
      [20, 33],
    ];
    const paths: string[] = [];
    for (const [i, [w, h]] of sizes.entries()) {
      const file = join(images, `img-${i}.${i % 2 === 0 ? 'png' : 'jpg'}`);
      await writeNoise(file, w, h, i);
      paths.push(file);
    }
    const broken = join(images, 'broken.png');
    await writeFile(broken, 'not an image');
    paths.splice(2, 0, broken);

    torch.manualSeed(8);
    const model = resnet18({ numClasses: 4, stem: 'small' });
    randomizeBatchNorm(model);
    model.eval();
    const metadata = { ...tinyMetadata(4, [3, 16, 16]), classNames: ['a', 'b', 'c', 'd'], resize: 20, crop: 16 };
    const onnx = join(dir, 'model.onnx');
    await exportOnnx(model, { path: onnx, metadata });

    // Expected: the same transforms built by hand, the module's forward, softmax.
    const pipeline = new ImagePipeline({ transforms: [new Resize({ size: 20 }), new CenterCrop({ size: 16 })], decode: { channels: 3 } });
    const good = paths.filter((p) => p !== broken);
    const decoded = await Promise.all(good.map((p) => pipeline.run(p, new Rng(0))));
    const batch = collate({ images: decoded, labels: good.map(() => 0), normalize: { mean: metadata.mean!, std: metadata.std! } });
    const logits = torch.noGrad(() => torch.tidy(() => model.forward(batch.images).data() as Float32Array));
    torch.dispose(batch);
    const expected = good.map((_, i) => {
      const row = Array.from(logits.subarray(i * 4, i * 4 + 4));
      const exps = row.map((v) => Math.exp(v - Math.max(...row)));
      const sum = exps.reduce((a, b) => a + b);
      return exps.map((e) => e / sum);
    });

    for (const backend of ['libtorch', 'onnxruntime'] as const) {
      const predictor = await Predictor.open(onnx, { backend, module: model, batchSize: 2, topK: 3, precision: '32' });
      const { predictions, failures } = await predictor.predict(paths);
      await predictor.close();
      assert.deepEqual(
        failures.map((f) => f.path),
        [broken],
      );
      assert.match(failures[0].message, /broken\.png/);
      assert.deepEqual(
        predictions.map((p) => p.path),
        good,
      );
      predictions.forEach((p, i) => {
        const order = expected[i].map((prob, index) => ({ prob, index })).sort((a, b) => b.prob - a.prob);
        assert.deepEqual(
          p.topK.map((s) => s.index),
          order.slice(0, 3).map((o) => o.index),
        );
        for (const s of p.topK) {
          assert.equal(s.className, metadata.classNames[s.index]);
          assert.ok(Math.abs(s.probability - expected[i][s.index]) < 1e-5, `${backend} ${p.path}`);
        }
      });
    }

    const strict = await Predictor.open(onnx, { onError: 'fail' });
    await assert.rejects(strict.predict(paths), /broken\.png/);
    await strict.close();
    // libtorch without a module: rebuilt from the file's metadata and initializers, the same answers.
    const withModule = await Predictor.open(onnx, { backend: 'libtorch', module: model, topK: 4 });
    const rebuilt = await Predictor.open(onnx, { backend: 'libtorch', topK: 4 });
    assert.deepEqual((await rebuilt.predict(good)).predictions, (await withModule.predict(good)).predictions);
    await rebuilt.close();
    await withModule.close();
    await assert.rejects(Predictor.open(onnx, { threads: 0 }), /expected a positive integer threads, but got 0/);
    model.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
