/**
 * Export and predict under hostile conditions: a failed or killed export
 * keeps the good model already there, hostile ONNX files (external data
 * outside the model's folder, malformed protobuf, metadata that does not fit
 * the model) and checkpoint headers are refused by name, BMP images decode,
 * and an interrupted `predict -m <checkpoint>` leaves no temporary folder.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../src/data/decode.js';
import { Rng } from '../../src/data/random.js';
import { RandomResizedCrop } from '../../src/data/transforms/random-resized-crop.js';
import { ImagePipeline } from '../../src/data/transforms/pipeline.js';
import { DataError, SerializationError } from '../../src/errors.js';
import { moduleFromOnnx } from '../../src/export/module-from-onnx.js';
import { exportOnnx } from '../../src/export/onnx/export-onnx.js';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/export/onnx/onnx-proto.js';
import type { OnnxModel } from '../../src/export/onnx/onnx-proto.js';
import { Predictor } from '../../src/export/predictor.js';
import { PYTHON, pythonHas, randomizeBatchNorm, tinyMetadata } from '../../src/export/testing.test-helper.js';
import { ClassificationModule } from '../../src/models/classification-module.js';
import { resnet18 } from '../../src/models/resnet.js';
import type { Checkpoint } from '../../src/training/checkpoint/checkpoint.js';
import { readCheckpoint, readCheckpointHeader, writeCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { exportCheckpoint } from '../../src/training/export-checkpoint.js';
import * as torch from '../../src/torch/index.js';

torch.setNumThreads(1);

const root = mkdtempSync(join(tmpdir(), 'ct-export-predict-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => {
  const dir = join(root, `case-${folders++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

function tinyModel(seed = 3): ReturnType<typeof resnet18> {
  torch.manualSeed(seed);
  const model = resnet18({ numClasses: 2, stem: 'small' });
  randomizeBatchNorm(model);
  model.eval();
  return model;
}
const metadata = tinyMetadata(2, [3, 8, 8]);

/** The error is a SerializationError whose message matches every pattern. */
function refusedWith(...patterns: (RegExp | string)[]): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof SerializationError, String(error));
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(error.message.includes(p), `names ${p}: ${error.message}`);
      else assert.match(error.message, p);
    }
    return true;
  };
}

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
/** A checkpoint of an untrained small-stem ResNet18 (2 classes, 8x8 inputs), as a run writes it; `edit` changes it first. */
let tinyModule: ClassificationModule | null = null;
after(() => tinyModule?.dispose());
function tinyCheckpoint(file: string, edit: (checkpoint: Checkpoint) => void = () => undefined): string {
  if (tinyModule === null) {
    torch.manualSeed(1);
    tinyModule = new ClassificationModule(resnet18({ numClasses: 2, stem: 'small' }), { numClasses: 2, classNames: ['a', 'b'] });
  }
  const module = tinyModule;
  const backbone = module.backbone as ReturnType<typeof resnet18>;
  const checkpoint: Checkpoint = {
    epoch: 1,
    seed: 0,
    globalStep: 2,
    batchInEpoch: 0,
    model: module.stateDict({ keepVars: true }),
    modelInfo: structuredClone(backbone.modelInfo),
    hparams: structuredClone(module.hparams) as unknown as Record<string, unknown>,
    classes: ['a', 'b'],
    labelsMapping: { classes: ['a', 'b'], normalization: null, inputSize: [3, 8, 8], resize: null, crop: null },
    optimizer: null,
    scheduler: null,
    callbacks: {},
    rngState: null,
    history: [],
    callbackMetrics: {},
    configFingerprint: null,
    config: null,
    extra: {},
    version: '0.1.0',
  };
  edit(checkpoint);
  writeCheckpoint(checkpoint, file);
  return file;
}

const hidden = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('.'));

void test('15. a failed export (parity) keeps the model and labels already at that path, and leaves no staging folder', async () => {
  const dir = folder();
  const path = join(dir, 'model.onnx');
  using model = tinyModel();
  await exportOnnx(model, { path, metadata });
  const before = [digest(path), digest(join(dir, 'labels_mapping.json'))];
  const other = { ...metadata, classNames: ['x', 'y'] };
  await assert.rejects(
    exportOnnx(model, { path, metadata: other, parity: { tolerance: -1 } }),
    refusedWith('checkOnnxParity', `for ${path}`),
  );
  assert.deepEqual([digest(path), digest(join(dir, 'labels_mapping.json'))], before);
  assert.deepEqual(hidden(dir), []);
});

void test('15. when labels_mapping.json cannot be renamed into place, model.onnx is put back as it was', async () => {
  const dir = folder();
  const path = join(dir, 'model.onnx');
  using model = tinyModel();
  await exportOnnx(model, { path, metadata, labelsMapping: false });
  const before = digest(path);
  // A non-empty folder under the labels file's name: renaming a file over it fails.
  mkdirSync(join(dir, 'labels_mapping.json', 'blocker'), { recursive: true });
  using other = tinyModel(9);
  await assert.rejects(exportOnnx(other, { path, metadata }), refusedWith('labels_mapping.json', 'rename', /previous export/));
  assert.equal(digest(path), before);
  assert.deepEqual(hidden(dir), []);
});

void test('15. kill -9 during an export leaves no model.onnx, and the next export removes its staging folder', async () => {
  const dir = folder();
  const path = join(dir, 'model.onnx');
  const script = [
    `import { exportOnnx } from ${JSON.stringify(new URL('../../src/export/onnx/export-onnx.ts', import.meta.url).pathname)};`,
    `import { resnet18 } from ${JSON.stringify(new URL('../../src/models/resnet.ts', import.meta.url).pathname)};`,
    `import { tinyMetadata } from ${JSON.stringify(new URL('../../src/export/testing.test-helper.ts', import.meta.url).pathname)};`,
    'const model = resnet18({ numClasses: 2, stem: "small" }); model.eval();',
    // Many parity batches: the export stays in its checked-but-not-renamed phase long enough to be killed.
    `await exportOnnx(model, { path: ${JSON.stringify(path)}, metadata: tinyMetadata(2, [3, 32, 32]), parity: { batchSizes: Array(400).fill(8) } });`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  const written = (): boolean => existsSync(path) || hidden(dir).some((n) => existsSync(join(dir, n, 'model.onnx')));
  while (!written()) {
    assert.ok(Date.now() < deadline, 'the child never staged its model');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
  assert.equal(existsSync(path), false, 'no unchecked model.onnx');
  assert.equal(hidden(dir).length, 1);
  using model = tinyModel();
  await exportOnnx(model, { path, metadata });
  assert.deepEqual(hidden(dir), []);
  assert.ok(existsSync(path));
});

void test('26. export into a folder it cannot create names the path, the operation and the reason', async (t) => {
  if (!existsSync('/sys/kernel')) return t.skip('no /sys to refuse writes');
  using model = tinyModel();
  const path = '/sys/kernel/ct-export/model.onnx';
  await assert.rejects(exportOnnx(model, { path, metadata }), refusedWith('/sys/kernel/ct-export', 'create the folder', /E[A-Z]+ \(/));
});

/** An export with its weights in model.onnx.data, shared by the ONNX-reading tests below. */
let shared: Promise<string> | null = null;
function sharedExport(): Promise<string> {
  shared ??= (async () => {
    const dir = folder();
    using model = tinyModel();
    await exportOnnx(model, { path: join(dir, 'model.onnx'), metadata, externalDataThresholdBytes: 0 });
    return dir;
  })();
  return shared;
}

/** A copy of the shared export as `name` beside it, edited by `edit`. */
async function variant(name: string, edit: (model: OnnxModel) => void): Promise<string> {
  const dir = await sharedExport();
  const model = decodeOnnxModel(readFileSync(join(dir, 'model.onnx')));
  edit(model);
  writeFileSync(join(dir, name), encodeOnnxModel(model));
  return join(dir, name);
}

function setExternal(model: OnnxModel, tensor: string, key: string, value: string): void {
  const init = model.graph.initializer.find((t) => t.name === tensor)!;
  const entries = init.externalData!.filter((e) => e.key !== key);
  init.externalData = [...entries, { key, value }];
}

function setMetadata(model: OnnxModel, key: string, value: string): void {
  model.metadataProps = [...model.metadataProps.filter((e) => e.key !== key), { key, value }];
}

void test('16. moduleFromOnnx refuses external data outside the model folder, naming the file, the tensor and the location', async () => {
  const dir = await sharedExport();
  symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
  const cases: [string, string, string, RegExp][] = [
    ['up.onnx', 'location', '../../../../etc/passwd', /inside the model's folder/],
    ['absolute.onnx', 'location', '/etc/passwd', /relative location/],
    ['link.onnx', 'location', 'passwd-link', /inside the model's folder/],
    ['negative.onnx', 'offset', '-4', /non-negative integer offset/],
    ['past-end.onnx', 'length', '1000000000', /within the file's/],
  ];
  for (const [name, key, value, pattern] of cases) {
    const file = await variant(name, (m) => setExternal(m, 'fc.bias', key, value));
    assert.throws(() => moduleFromOnnx(file), refusedWith(file, 'fc.bias', pattern), name);
  }
  moduleFromOnnx(join(dir, 'model.onnx')).dispose(); // the untouched export still loads
});

void test('17. metadata that does not fit the model is refused at load, naming the file and the key', async () => {
  const cases: [string, string, string][] = [
    ['three-names.onnx', 'class_names', '["a","b","c"]'],
    ['zero-std.onnx', 'std', '[0.2,0,0.2]'],
    ['negative-std.onnx', 'std', '[0.2,-1,0.2]'],
    ['short-mean.onnx', 'mean', '[0.5,0.5]'],
    ['long-std.onnx', 'std', '[0.2,0.2,0.2,0.2]'],
    ['infinite-std.onnx', 'std', '[0.2,1e999,0.2]'],
    ['huge-input.onnx', 'input_size', '[3,100000,100000]'],
  ];
  for (const [name, key, value] of cases) {
    const file = await variant(name, (m) => setMetadata(m, key, value));
    for (const backend of ['onnxruntime', 'libtorch'] as const) {
      await assert.rejects(Predictor.open(file, { backend }), refusedWith(file, `'${key}'`, /expected/), `${name} (${backend})`);
    }
  }
});

void test('19. a malformed or truncated ONNX file is refused naming the file, by every reader', async () => {
  const dir = await sharedExport();
  const bytes = readFileSync(join(dir, 'model.onnx'));
  const files = { 'truncated.onnx': bytes.subarray(0, bytes.length >> 1), 'garbage.onnx': Buffer.from('\xff\xff\xff\xff not protobuf') };
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, name);
    writeFileSync(file, content);
    assert.throws(() => moduleFromOnnx(file), refusedWith(file, /expected an ONNX model/), name);
    for (const backend of ['onnxruntime', 'libtorch'] as const) {
      await assert.rejects(Predictor.open(file, { backend }), refusedWith(file, /expected an ONNX model/), `${name} (${backend})`);
    }
  }
  // Well-formed protobuf that onnxruntime still refuses.
  const unknownOp = await variant('unknown-op.onnx', (m) => Object.assign(m.graph.node[0], { opType: 'NoSuchOp' }));
  await assert.rejects(Predictor.open(unknownOp), refusedWith(unknownOp, /expected onnxruntime to load/));
});

void test('21. SIGINT during predict -m <checkpoint> removes its temporary folder', async () => {
  const dir = folder();
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const ckpt = tinyCheckpoint(join(dir, 'tiny.ckpt'));
  const image = join(dir, 'a.png');
  await sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } })
    .png()
    .toFile(image);
  const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'predict', image, '-m', ckpt, '--threads', '1'], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  // Once the export is under way in the temporary folder, as a user pressing Ctrl-C would.
  const working = (): boolean => readdirSync(tmp).some((n) => n.startsWith('ct-predict-') && readdirSync(join(tmp, n)).length > 0);
  while (!working()) {
    assert.ok(Date.now() < deadline, 'predict never made its temporary folder');
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGINT');
  const code = await exited;
  assert.deepEqual(
    readdirSync(tmp).filter((n) => n.startsWith('ct-predict-')),
    [],
  );
  assert.equal(code, 130);
});

void test('18. a checkpoint header with values of the wrong kind is refused at read, naming the file and the key', () => {
  const dir = folder();
  const cases: [string, string, (c: Checkpoint) => void][] = [
    ['history', 'history', (c) => Object.assign(c, { history: 5 })],
    ['callbacks', 'callbacks', (c) => Object.assign(c, { callbacks: null })],
    ['epoch', 'epoch', (c) => Object.assign(c, { epoch: -5 })],
    ['input-size', 'labelsMapping.inputSize', (c) => Object.assign(c.labelsMapping!, { inputSize: [3, 1e5, 1e5] })],
    [
      'zero-std',
      'labelsMapping.normalization.std',
      (c) => Object.assign(c.labelsMapping!, { normalization: { mean: [0, 0, 0], std: [1, 0, 1] } }),
    ],
  ];
  for (const [name, key, edit] of cases) {
    const file = tinyCheckpoint(join(dir, `${name}.ckpt`), edit);
    assert.throws(() => disposeCheckpoint(readCheckpoint(file)), refusedWith(file, key), name);
    assert.throws(() => readCheckpointHeader(file), refusedWith(file, key), `${name} (header)`);
  }
  disposeCheckpoint(readCheckpoint(tinyCheckpoint(join(dir, 'good.ckpt'))));
});

void test('18. export takes the class count and input channels from the tensors, refusing metadata that disagrees', async () => {
  const dir = folder();
  const cases: [string, string, (c: Checkpoint) => void][] = [
    ['classes', 'modelInfo.options.numClasses', (c) => Object.assign(c.modelInfo!.options, { numClasses: 1e9 })],
    ['hparams', 'hparams.numClasses', (c) => Object.assign(c.hparams, { numClasses: 1e9 })],
    ['channels', 'modelInfo.options.inChannels', (c) => Object.assign(c.modelInfo!.options, { inChannels: 100_000 })],
    ['input-channels', 'labelsMapping.inputSize[0]', (c) => Object.assign(c.labelsMapping!, { inputSize: [1, 8, 8] })],
  ];
  for (const [name, key, edit] of cases) {
    const file = tinyCheckpoint(join(dir, `${name}.ckpt`), edit);
    const out = join(dir, name, 'model.onnx');
    await assert.rejects(exportCheckpoint(file, { out }), refusedWith(file, key), name);
    assert.equal(existsSync(out), false);
  }
});

void test('26. a safetensors export into a folder it cannot create names the path, the operation and the reason', async (t) => {
  if (!existsSync('/sys/kernel')) return t.skip('no /sys to refuse writes');
  const file = tinyCheckpoint(join(folder(), 'tiny.ckpt'));
  const out = '/sys/kernel/ct-export/model.safetensors';
  await assert.rejects(
    exportCheckpoint(file, { out, format: 'safetensors' }),
    refusedWith('/sys/kernel/ct-export', 'create the folder', /E[A-Z]+ \(/),
  );
});

/** A BMP file: 14-byte file header, a 40-byte info header (or `dib`), `extra` (masks, palette), pixel rows. */
function bmpBytes(options: {
  width: number;
  height: number;
  bits: number;
  compression?: number;
  extra?: number[];
  rows: number[][];
}): Buffer {
  const stride = Math.ceil((options.width * options.bits) / 32) * 4;
  const pixels = Buffer.alloc(stride * options.rows.length);
  options.rows.forEach((row, y) => Buffer.from(row).copy(pixels, y * stride));
  const extra = Buffer.from(options.extra ?? []);
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(options.width, 4);
  info.writeInt32LE(options.height, 8);
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(options.bits, 14);
  info.writeUInt32LE(options.compression ?? 0, 16);
  const head = Buffer.alloc(14);
  head.write('BM', 0, 'latin1');
  head.writeUInt32LE(14 + 40 + extra.length + pixels.length, 2);
  head.writeUInt32LE(14 + 40 + extra.length, 10);
  return Buffer.concat([head, info, extra, pixels]);
}

const le32 = (v: number): number[] => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];

void test('20. BMP decodes like Pillow: its own 1/8-bit palette, grey, 24- and 32-bit files, and top-down, 4-bit and bit-field variants', async (t) => {
  if (!pythonHas('PIL')) return t.skip('no Pillow in /usr/bin/python3');
  const dir = folder();
  const write = [
    'import sys, random',
    'from PIL import Image',
    'random.seed(5)',
    'im = Image.new("RGBA", (7, 5))',
    'im.putdata([tuple(random.randrange(256) for _ in range(4)) for _ in range(35)])',
    'for mode in ["RGB", "RGBA", "L", "1", "P"]:',
    '    (im.convert(mode) if mode != "P" else im.convert("RGB").quantize(6)).save(f"{sys.argv[1]}/pillow-{mode}.bmp")',
  ].join('\n');
  assert.equal(spawnSync(PYTHON, ['-c', write, dir], { encoding: 'utf8' }).status, 0);
  const rng = new Rng(2);
  const byte = (): number => rng.nextUint32() & 255;
  const grid = (w: number, h: number, bytesPerRow: number): number[][] =>
    Array.from({ length: h }, () => Array.from({ length: bytesPerRow }, byte));
  const palette16 = Array.from({ length: 16 * 4 }, (_, i) => (i % 4 === 3 ? 0 : byte()));
  const handMade: Record<string, Buffer> = {
    'top-down.bmp': bmpBytes({ width: 5, height: -3, bits: 24, rows: grid(5, 3, 15) }),
    'four-bit.bmp': bmpBytes({ width: 5, height: 4, bits: 4, extra: palette16, rows: grid(5, 4, 3) }),
    'bitfields-565.bmp': bmpBytes({
      width: 3,
      height: 2,
      bits: 16,
      compression: 3,
      extra: [0xf800, 0x7e0, 0x1f].flatMap(le32),
      rows: grid(3, 2, 6),
    }),
    'bitfields-32.bmp': bmpBytes({
      width: 3,
      height: 2,
      bits: 32,
      compression: 3,
      extra: [0xff0000, 0xff00, 0xff].flatMap(le32),
      rows: grid(3, 2, 12),
    }),
  };
  for (const [name, bytes] of Object.entries(handMade)) writeFileSync(join(dir, name), bytes);
  const read = 'import sys\nfrom PIL import Image\nsys.stdout.buffer.write(Image.open(sys.argv[1]).convert("RGB").tobytes())';
  const files = readdirSync(dir).filter((n) => n.endsWith('.bmp'));
  assert.equal(files.length, 9);
  for (const name of files) {
    const pillow = spawnSync(PYTHON, ['-c', read, join(dir, name)]);
    assert.equal(pillow.status, 0, `${name}: ${String(pillow.stderr)}`);
    const ours = await decodeImage(join(dir, name), { channels: 3 });
    assert.deepEqual(Buffer.from(ours.data), pillow.stdout, name);
  }
  // The planned (crop while decoding) path the training pipeline takes reads BMP too.
  const pipeline = new ImagePipeline({ transforms: [new RandomResizedCrop({ size: 4 })], decode: { channels: 3 } });
  const cropped = await pipeline.run(join(dir, 'pillow-RGB.bmp'), new Rng(0));
  assert.deepEqual([cropped.width, cropped.height], [4, 4]);
});

void test('20. an RLE or truncated BMP is refused naming the file and what is not supported', async () => {
  const dir = folder();
  const rle = bmpBytes({
    width: 2,
    height: 2,
    bits: 8,
    compression: 1,
    extra: [0, 0, 0, 0],
    rows: [
      [0, 0],
      [0, 0],
    ],
  });
  const cases: [string, Buffer, RegExp][] = [
    ['rle.bmp', rle, /RLE8/],
    ['truncated.bmp', bmpBytes({ width: 64, height: 64, bits: 24, rows: [[1, 2, 3]] }).subarray(0, 120), /truncated/],
  ];
  for (const [name, bytes, pattern] of cases) {
    writeFileSync(join(dir, name), bytes);
    await assert.rejects(decodeImage(join(dir, name), { channels: 3 }), (error: unknown) => {
      assert.ok(error instanceof DataError, String(error));
      assert.ok(error.message.includes(join(dir, name)), error.message);
      assert.match(error.message, pattern);
      return true;
    });
  }
});
