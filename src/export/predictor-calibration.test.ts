// The predictor with a calibrated model and with test-time augmentation: the temperature travels
// in the ONNX metadata and labels_mapping.json, predictions are softmax(logits / T) unless
// calibration is turned off, and flip TTA averages the image's and its mirror's probabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { collate } from '../data/collate.js';
import { Rng } from '../data/random.js';
import { ImagePipeline } from '../data/transforms/pipeline.js';
import { makeTempDir } from '../data/test-images.test-helper.js';
import { resnet18 } from '../models/resnet.js';
import * as torch from '../torch/index.js';
import { exportOnnx } from './onnx/export-onnx.js';
import { readOnnxModel } from './onnx/read-onnx-model.js';
import { Predictor } from './predictor.js';
import { randomizeBatchNorm, tinyMetadata } from './testing.test-helper.js';
import { parseTta } from './tta.js';

torch.setNumThreads(1);

function softmax(row: readonly number[], temperature: number): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp((v - max) / temperature));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

void test('Predictor: a model with a temperature reports softmax(logits / T), raw with calibration off, and flip TTA averages two views', async () => {
  const dir = await makeTempDir('predictor-calibration-');
  try {
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const rng = new Rng(i);
      const pixels = Buffer.from(Array.from({ length: 12 * 12 * 3 }, () => rng.nextUint32() & 255));
      paths.push(join(dir, `img-${i}.png`));
      await writeFile(
        paths[i],
        await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
          .png()
          .toBuffer(),
      );
    }
    torch.manualSeed(3);
    const model = resnet18({ numClasses: 4, stem: 'small' });
    randomizeBatchNorm(model);
    model.eval();
    const temperature = 2.5;
    const metadata = { ...tinyMetadata(4, [3, 12, 12]), temperature };
    const onnx = join(dir, 'model.onnx');
    await exportOnnx(model, { path: onnx, metadata });
    assert.equal(readOnnxModel(onnx, 'test').metadata.temperature, temperature);
    const mapping = JSON.parse(readFileSync(join(dir, 'labels_mapping.json'), 'utf8')) as { temperature?: number };
    assert.equal(mapping.temperature, temperature);

    // Expected: the module's logits of each image and of its mirror, by hand.
    const decoded = await Promise.all(paths.map((p) => new ImagePipeline({ transforms: [], decode: { channels: 3 } }).run(p, new Rng(0))));
    const batch = collate({ images: decoded, labels: [0, 0, 0], normalize: { mean: metadata.mean!, std: metadata.std! } });
    const rows = (x: torch.Tensor): number[][] => {
      const flat = Array.from(torch.noGrad(() => torch.tidy(() => model.forward(x).data())) as Float32Array);
      return [0, 1, 2].map((i) => flat.slice(i * 4, i * 4 + 4));
    };
    const plain = rows(batch.images);
    const mirrored = torch.tidy(() => rows(batch.images.flip([3])));
    torch.dispose(batch);

    const probabilities = async (options: { calibration?: boolean; tta?: ReturnType<typeof parseTta> }): Promise<number[][]> => {
      const predictor = await Predictor.open(onnx, { topK: 4, ...options });
      try {
        const { predictions } = await predictor.predict(paths);
        return predictions.map((p) => [0, 1, 2, 3].map((k) => p.topK.find((s) => s.index === k)!.probability));
      } finally {
        await predictor.close();
      }
    };
    const close = (got: number[][], want: number[][], what: string): void =>
      got.forEach((row, i) => row.forEach((p, k) => assert.ok(Math.abs(p - want[i][k]) < 1e-5, `${what}: image ${i} class ${k}`)));

    const calibrated = await probabilities({});
    close(
      calibrated,
      plain.map((r) => softmax(r, temperature)),
      'calibrated',
    );
    close(
      await probabilities({ calibration: false }),
      plain.map((r) => softmax(r, 1)),
      'calibration off',
    );
    const flipped = plain.map((r, i) => softmax(r, temperature).map((p, k) => (p + softmax(mirrored[i], temperature)[k]) / 2));
    close(await probabilities({ tta: parseTta('flip') }), flipped, 'flip TTA');
    // The test can tell the cases apart: T = 2.5 moves every probability noticeably.
    assert.ok(Math.abs(calibrated[0][0] - softmax(plain[0], 1)[0]) > 1e-3);
    const opened = await Predictor.open(onnx, { calibration: false });
    assert.equal(opened.temperature, null);
    await opened.close();
    model.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
