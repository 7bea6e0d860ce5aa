// exportOnnx against onnxruntime-node and onnx's own checker: every ResNet size, BN folding,
// external data, metadata round trip, unknown modules and a failing parity check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsMapping } from '../../data/labels-mapping.js';
import { ClassificationModule } from '../../models/classification-module.js';
import { resnet18, resnet50, resnetFactories } from '../../models/resnet.js';
import * as torch from '../../torch/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Module, ReLU, Sequential, SyncBatchNorm } from '../../torch/nn/index.js';
import type { Tensor } from '../../torch/index.js';
import { checkOnnxFile, pythonHas, randomizeBatchNorm, tinyMetadata } from '../testing.test-helper.js';
import { registerOnnxEmitter } from './emitters/index.js';
import { exportOnnx } from './export-onnx.js';
import { parseOnnxMetadata } from './metadata.js';
import { decodeOnnxModel } from './onnx-proto.js';

// The test machine is shared: libtorch's OpenMP threads spin-wait against other processes and
// a 2-thread forward can take 10x longer than a 1-thread one.
torch.setNumThreads(1);
const hasOnnx = pythonHas('onnx');
const dir = mkdtempSync(join(tmpdir(), 'export-onnx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function assertChecked(path: string): void {
  if (!hasOnnx) return;
  assert.equal(checkOnnxFile(path), null);
}

const opTypes = (path: string): string[] => decodeOnnxModel(readFileSync(path)).graph.node.map((n) => n.opType);

// The 101-layer ResNeXts and Wide ResNet add nothing the graph does not already have, at minutes each.
const big = new Set(['resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet101_2']);
for (const [arch, factory] of Object.entries(resnetFactories).filter(([name]) => !big.has(name))) {
  void test(`${arch}: onnxruntime's logits match ours at batch 1 and 3; onnx's checker passes`, async () => {
    torch.manualSeed(1);
    const model = factory({ numClasses: 3, stem: 'small' });
    randomizeBatchNorm(model);
    const path = join(dir, `${arch}.onnx`);
    try {
      const result = await exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 16, 16], arch) });
      assert.deepEqual(
        result.parity?.batches.map((b) => b.batchSize),
        [1, 3],
      );
      assert.ok(result.parity.maxAbsDiff <= 1e-4, String(result.parity.maxAbsDiff));
      assert.equal(result.dataPath, null);
      assertChecked(path);
    } finally {
      model.dispose();
      rmSync(path, { force: true });
    }
  });
}

void test('the ImageNet stem (max-pool) with one input channel, inside a ClassificationModule', async () => {
  torch.manualSeed(2);
  const module = new ClassificationModule(resnet18({ numClasses: 4, inChannels: 1 }), { numClasses: 4 });
  module.setClassWeights([1, 2, 3, 4]); // a non-persistent buffer: not part of the graph
  randomizeBatchNorm(module);
  const path = join(dir, 'imagenet-stem.onnx');
  const inputs = torch.randn([2, 1, 64, 64]);
  try {
    const result = await exportOnnx(module, { path, metadata: tinyMetadata(4, [1, 64, 64]), parity: { inputs } });
    assert.ok(result.parity!.maxAbsDiff <= 1e-4);
    assert.ok(opTypes(path).includes('MaxPool'));
    const model = decodeOnnxModel(readFileSync(path));
    assert.ok(model.graph.initializer.some((t) => t.name === 'backbone.conv1.weight'));
    assert.ok(!model.graph.initializer.some((t) => t.name.includes('classWeights')));
    assertChecked(path);
  } finally {
    inputs.dispose();
    module.dispose();
  }
});

void test('foldBatchNorm folds every BN into its conv (blocks and downsample) within 1e-4', async () => {
  for (const factory of [resnet18, resnet50]) {
    torch.manualSeed(3);
    const model = factory({ numClasses: 5, stem: 'small' });
    randomizeBatchNorm(model);
    const path = join(dir, 'folded.onnx');
    try {
      const result = await exportOnnx(model, { path, metadata: tinyMetadata(5, [3, 16, 16]), foldBatchNorm: true });
      assert.ok(result.parity!.maxAbsDiff <= 1e-4, String(result.parity!.maxAbsDiff));
      const ops = opTypes(path);
      assert.equal(ops.filter((op) => op === 'BatchNormalization').length, 0);
      const convs = [...model.modules()].filter((m) => m instanceof Conv2d).length;
      assert.equal(ops.filter((op) => op === 'Conv').length, convs);
      const graph = decodeOnnxModel(readFileSync(path)).graph;
      assert.ok(graph.initializer.some((t) => t.name === 'layer1.0.conv1.bias'));
      assert.ok(!graph.initializer.some((t) => t.name.includes('running_mean')));
      assertChecked(path);
    } finally {
      model.dispose();
    }
  }
});

void test('a BN after a ReLU stays a BatchNormalization node; a conv bias folds too', async () => {
  torch.manualSeed(4);
  const head = [new AdaptiveAvgPool2d(1), new Flatten()];
  const model = new Sequential(new Conv2d(2, 4, 3, { padding: 'same' }), new BatchNorm2d(4), new ReLU(), new BatchNorm2d(4), ...head);
  randomizeBatchNorm(model);
  const path = join(dir, 'partial-fold.onnx');
  const result = await exportOnnx(model, { path, metadata: tinyMetadata(4, [2, 5, 5]), foldBatchNorm: true });
  assert.ok(result.parity!.maxAbsDiff <= 1e-4);
  assert.deepEqual(opTypes(path), ['Conv', 'Relu', 'BatchNormalization', 'GlobalAveragePool', 'Flatten']);
  const names = decodeOnnxModel(readFileSync(path)).graph.initializer.map((t) => t.name);
  assert.deepEqual(names, ['0.weight', '0.bias', '3.weight', '3.bias', '3.running_mean', '3.running_var']);
  assertChecked(path);
  model.dispose();
});

void test('a SyncBatchNorm (still converted, mid-run) exports as the BatchNormalization of its BatchNorm2d', async () => {
  torch.manualSeed(5);
  const model = new Sequential(new Conv2d(2, 4, 3), new ReLU(), new SyncBatchNorm(4), new AdaptiveAvgPool2d(1), new Flatten());
  randomizeBatchNorm(model);
  const path = join(dir, 'sync-bn.onnx');
  const result = await exportOnnx(model, { path, metadata: tinyMetadata(4, [2, 5, 5]) });
  assert.ok(result.parity!.maxAbsDiff <= 1e-4);
  assert.deepEqual(opTypes(path), ['Conv', 'Relu', 'BatchNormalization', 'GlobalAveragePool', 'Flatten']);
  model.dispose();
});

void test('metadata_props, opset, IR version, input and output round trip; labels_mapping.json beside it', async () => {
  torch.manualSeed(5);
  const model = resnet18({ numClasses: 3, stem: 'small' });
  const meta = { ...tinyMetadata(3, [3, 8, 8]), classNames: ['cat', 'dog', 'ünïcode ✓'], resize: 10, crop: [8, 8] as const };
  const path = join(dir, 'meta', 'model.onnx');
  const result = await exportOnnx(model, { path, metadata: meta, parity: false });
  const onnx = decodeOnnxModel(readFileSync(path));
  assert.deepEqual(parseOnnxMetadata(onnx.metadataProps), { ...meta, crop: [8, 8] });
  assert.equal(onnx.irVersion, 8);
  assert.deepEqual(onnx.opsetImport, [{ domain: '', version: 17 }]);
  assert.equal(onnx.producerName, 'classifier-training');
  assert.equal(onnx.producerVersion, '0.1.0-test');
  assert.deepEqual(
    onnx.graph.input.map((i) => [i.name, i.type.tensorType.shape!.dim]),
    [['images', [{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 8 }, { dimValue: 8 }]]],
  );
  assert.deepEqual(
    onnx.graph.output.map((o) => [o.name, o.type.tensorType.shape!.dim]),
    [['logits', [{ dimParam: 'N' }, { dimValue: 3 }]]],
  );
  assert.equal(result.parity, null);
  const written = JSON.parse(readFileSync(result.labelsMappingPath!, 'utf8')) as unknown;
  const normalization = { mean: meta.mean!, std: meta.std! };
  assert.deepEqual(written, labelsMapping({ classes: meta.classNames, normalization, inputSize: [3, 8, 8], resize: 10, crop: [8, 8] }));
  assertChecked(path);
  model.dispose();
});

void test('weights past the threshold go to <name>.onnx.data (ONNX external data)', async () => {
  torch.manualSeed(6);
  const model = resnet18({ numClasses: 3, stem: 'small' });
  randomizeBatchNorm(model);
  const path = join(dir, 'external.onnx');
  const result = await exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 8, 8]), externalDataThresholdBytes: 1024 });
  assert.equal(result.dataPath, `${path}.data`);
  assert.ok(result.parity!.maxAbsDiff <= 1e-4);
  const onnx = decodeOnnxModel(readFileSync(path));
  assert.ok(onnx.graph.initializer.every((t) => t.dataLocation === 1 && t.rawData === undefined));
  assert.ok(readFileSync(path).byteLength < 100_000);
  assertChecked(path);
  // Exporting again inline removes the stale data file.
  await exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 8, 8]), parity: false });
  assert.ok(!existsSync(`${path}.data`));
  model.dispose();
});

void test('a small-stem ResNet18 on 10x10 inputs with logits of ~1e5 (a diverged run) passes: the tolerance scales with max |logit|', async () => {
  // The reported failure: a CLI run on 10x10 images diverged (test loss ~2e5, logits ~1e4), and
  // onnxruntime's fp32 logits differed from libtorch's by ~4e-3 (2 ulps; both agree with a float64
  // torchvision forward to ~1e-7 relative), so an absolute 1e-4 rejected a correct export.
  torch.manualSeed(7);
  const module = new ClassificationModule(resnet18({ numClasses: 3, stem: 'small' }), { numClasses: 3 });
  randomizeBatchNorm(module);
  const fc = (module.backbone as ReturnType<typeof resnet18>).fc;
  torch.noGrad(() => fc.weight.mul_(1e5));
  const path = join(dir, 'huge-logits.onnx');
  const inputs = torch.randn([3, 3, 10, 10]);
  try {
    const result = await exportOnnx(module, { path, metadata: tinyMetadata(3, [3, 10, 10]), parity: { inputs } });
    const parity = result.parity!;
    assert.ok(
      parity.batches.every((b) => b.scale > 1e3),
      JSON.stringify(parity.batches),
    );
    assert.ok(parity.maxAbsDiff > 1e-4, `the case an absolute 1e-4 rejected: ${parity.maxAbsDiff}`);
    assert.ok(parity.maxRelDiff <= 1e-6, String(parity.maxRelDiff));
  } finally {
    inputs.dispose();
    module.dispose();
  }
});

class SqueezeExcite extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

void test('a module the writer does not know fails naming its class and path', async () => {
  const module = new ClassificationModule(resnet18({ numClasses: 3, stem: 'small' }), { numClasses: 3 });
  const backbone = module.backbone as ReturnType<typeof resnet18>;
  backbone.layer1.at(0).registerModule('se', new SqueezeExcite());
  const path = join(dir, 'unknown.onnx');
  await assert.rejects(exportOnnx(module, { path, metadata: tinyMetadata(3, [3, 8, 8]) }), /SqueezeExcite at backbone\.layer1\.0\.se/);
  backbone.layer2.append(new SqueezeExcite());
  backbone.layer1.at(0).registerModule('se', null);
  await assert.rejects(exportOnnx(module, { path, metadata: tinyMetadata(3, [3, 8, 8]) }), /SqueezeExcite at backbone\.layer2\.2/);
  await assert.rejects(exportOnnx(new SqueezeExcite(), { path, metadata: tinyMetadata(3, [3, 8, 8]) }), /SqueezeExcite at <root>/);
  assert.ok(!existsSync(path));
  module.dispose();
});

class Doubler extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}

void test('the parity check fails the export (and removes the file) when the graph computes something else', async () => {
  registerOnnxEmitter(Doubler, (_m, input, ctx) => ctx.graph.addNode('Relu', [input], ctx.valueName())); // wrong on purpose
  const model = new Sequential(new Conv2d(1, 2, 1), new Doubler(), new Sequential(new ReLU()), new Flatten());
  const path = join(dir, 'wrong.onnx');
  const meta = tinyMetadata(2, [1, 1, 1]);
  await assert.rejects(
    exportOnnx(model, { path, metadata: meta }),
    /within 0\.0001( x max \|logit\| [0-9.]+ = [0-9.e-]+)? of the module's .* max abs difference of [0-9.e-]+ at batch size 1/,
  );
  assert.ok(!existsSync(path));
  // Scaled logits still fail: the tolerance grows with them, the error grows faster.
  torch.noGrad(() => (model.at(0) as Conv2d).weight.mul_(1e4));
  await assert.rejects(
    exportOnnx(model, { path, metadata: meta }),
    /within 0\.0001 x max \|logit\| [0-9.e+]+ = [0-9.e+]+ of the module's .* max abs difference of [0-9.e+]+ at batch size 1/,
  );
  assert.ok(!existsSync(path));
  model.dispose();
});

void test('options are checked before anything is written', async () => {
  const model = resnet18({ numClasses: 3, stem: 'small' });
  const path = join(dir, 'bad.onnx');
  await assert.rejects(
    exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 8, 8]), inputShape: [3, 9, 9] }),
    /metadata\.inputSize equal to inputShape/,
  );
  await assert.rejects(exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 8, 8]), opset: 13 as 17 }), /expected opset 17/);
  assert.ok(!existsSync(path));
  model.dispose();
});
