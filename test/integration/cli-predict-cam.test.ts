/**
 * `predict --cam` as a user runs it, on a small-stem ResNet18 trained by the
 * CLI on 10x10 colour images: one overlay per image, PNG at the model's input
 * size, explaining the class predict prints; the index file; Grad-CAM++ and a
 * named layer; an ONNX model and an unknown method refused with the reason.
 * Then the top losses' overlays in analysis/cam/ and the report, from the
 * fit-end Analysis callback and from `analyze`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let root = '';
let ckpt = '';
before(async () => {
  root = await makeColourFolder(3);
  const trained = cli([
    'train',
    '--config-dir',
    userConf,
    '--config-name',
    'tiny',
    'model=resnet18',
    'model.stem=small',
    'trainer.maxEpochs=1',
    `data.root=${root}`,
    `run.dir=${join(root, 'run')}`,
  ]);
  assert.equal(trained.status, 0, trained.stderr);
  ckpt = join(root, 'run', 'checkpoints', 'last.ckpt');
});
after(() => rmSync(root, { recursive: true, force: true }));

interface CamLine {
  path: string;
  overlay: string;
  classIndex: number;
  className: string;
}

test('predict --cam: an overlay per image at the input size, each explaining the printed top-1; Grad-CAM++ at layer3 too', async () => {
  const images = join(root, 'test');
  const camDir = join(root, 'cams');
  const out = cli(['predict', images, '-m', ckpt, '-k', '1', '--format', 'json', '--threads', '1', '--cam', camDir]);
  assert.equal(out.status, 0, out.stderr);
  const top1 = new Map(
    out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; topK: { index: number }[] })
      .map((p) => [p.path, p.topK[0].index]),
  );
  assert.match(out.stderr, new RegExp(`wrote ${top1.size} Grad-CAM overlays \\(gradcam\\) to ${camDir}`));
  const lines = readFileSync(join(camDir, 'cams.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CamLine);
  assert.equal(lines.length, top1.size);
  assert.equal(new Set(lines.map((l) => l.overlay)).size, lines.length, 'overlay names are unique');
  for (const line of lines) {
    assert.equal(line.classIndex, top1.get(line.path), `${line.path}: the map explains the predicted class`);
    const meta = await sharp(line.overlay).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 10, 10, 3]);
  }
  const plus = cli([
    'predict',
    images,
    '-m',
    ckpt,
    '--threads',
    '1',
    '--cam',
    join(root, 'plus'),
    '--cam-method',
    'gradcam++',
    '--cam-layer',
    'layer3',
  ]);
  assert.equal(plus.status, 0, plus.stderr);
  assert.equal(readdirSync(join(root, 'plus')).filter((f) => f.endsWith('.png')).length, top1.size);
});

test('fit end and analyze: Grad-CAM overlays of the top losses in analysis/cam/, in the report gallery; an unknown --cam is refused', async () => {
  const runDir = join(root, 'run');
  // The fit-end Analysis callback drew the validation split's top losses already.
  assert.ok(readdirSync(join(runDir, 'analysis', 'cam')).includes('0.png'), 'fit end wrote analysis/cam/0.png');
  const out = cli(['analyze', runDir, '--split', 'test', '--top-k', '4']);
  assert.equal(out.status, 0, out.stderr);
  const cams = readdirSync(join(runDir, 'analysis', 'cam')).sort();
  assert.deepEqual(cams, ['0.png', '1.png', '2.png', '3.png']);
  const meta = await sharp(join(runDir, 'analysis', 'cam', '0.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 128]);
  assert.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /<img alt="Grad-CAM of top loss 3" src="analysis\/cam\/3.png">/);
  const bad = cli(['analyze', runDir, '--cam', 'cam']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /expected --cam among gradcam, gradcam\+\+, none, but got 'cam'/);
});

test('predict --cam: an ONNX model and an unknown method are refused with the reason (an unknown layer: src/analysis/grad-cam.test.ts)', () => {
  // Refused before the file is read: any .onnx path gives the reason.
  const onnx = cli(['predict', join(root, 'test'), '-m', join(root, 'model.onnx'), '--cam', join(root, 'x')]);
  assert.notEqual(onnx.status, 0);
  assert.match(onnx.stderr, /expected a checkpoint with --cam \(Grad-CAM needs gradients, which an ONNX model does not have\)/);
  const method = cli(['predict', join(root, 'test'), '-m', ckpt, '--cam', join(root, 'z'), '--cam-method', 'cam']);
  assert.notEqual(method.status, 0);
  assert.match(method.stderr, /expected --cam-method among gradcam, gradcam\+\+, but got 'cam'/);
});
