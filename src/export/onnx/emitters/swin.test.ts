// Swin and Swin V2 export to ONNX and match onnxruntime (the export's parity check) at 48x48,
// where stage 1 pads its 12x12 map to the window and runs the shifted windows with their mask,
// later stages skip the shift and a 3x3 map merges with odd-size padding; exported torchvision
// weights load into torchvision's model with strict=True (a 1-channel swin_v2_t after its stem
// adaptation line) and give the same logits; moduleFromOnnx rebuilds each model from its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassificationModule } from '../../../models/classification-module.js';
import { swinT, swinV2T } from '../../../models/swin.js';
import type { SwinTransformer } from '../../../models/swin.js';
import * as torch from '../../../torch/index.js';
import { LayerNorm } from '../../../torch/nn/index.js';
import { saveSafetensors } from '../../../torch/serialization/safetensors.js';
import { PYTHON, pythonHas, tinyMetadata } from '../../testing.test-helper.js';
import { exportTorchvisionWeights } from '../../torchvision-weights.js';
import { moduleFromOnnx } from '../../module-from-onnx.js';
import { buildOnnxModel } from '../build-onnx-model.js';
import { moduleLogits } from '../check-onnx-parity.js';
import { exportOnnx } from '../export-onnx.js';

torch.setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'onnx-swin-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const loader = new URL('../../torchvision-load.py', import.meta.url).pathname;
const skipTorchvision = pythonHas('torch', 'torchvision') ? false : `${PYTHON} cannot import torchvision`;

/** A model whose LayerNorms and V2 key biases are not at their initial values, so the export must carry them. */
function build(factory: (options: { numClasses: number; inChannels?: number }) => SwinTransformer, inChannels = 3): ClassificationModule {
  torch.manualSeed(11);
  const model = factory({ numClasses: 5, inChannels });
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof LayerNorm)) continue;
      m.weight!.uniform_(0.5, 1.5);
      m.bias!.normal_(0, 0.1);
    }
    for (const [name, p] of model.namedParameters()) if (name.endsWith('attn.qkv.bias')) p.normal_(0, 0.1);
  });
  return new ClassificationModule(model, { numClasses: 5 });
}

for (const [name, factory, channels] of [
  ['swin_t', swinT, 3],
  ['swin_v2_t', swinV2T, 1],
] as const) {
  void test(`${name} exports to ONNX and matches onnxruntime at 48x48`, async () => {
    const module = build(factory);
    try {
      const path = join(dir, `${name}.onnx`);
      const metadata = { ...tinyMetadata(5, [3, 48, 48], name), modelOptions: { numClasses: 5 } };
      const result = await exportOnnx(module, { path, metadata });
      assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-4, JSON.stringify(result.parity));
      // The libtorch backend's rebuild from the file: every parameter is an initializer under its own name.
      const rebuilt = moduleFromOnnx(path);
      const images = torch.randn([2, 3, 48, 48]);
      const [ours, theirs] = [module, rebuilt].map((m) => moduleLogits(m, images.data() as Float32Array, [2, 3, 48, 48]).data);
      images.dispose();
      rebuilt.dispose();
      assert.deepEqual(theirs, ours);
      const ops = new Set(buildOnnxModel(module, { inputShape: [3, 48, 48], numClasses: 5, name }).model.graph.node.map((n) => n.opType));
      for (const op of ['Pad', 'Concat', 'Slice', 'Softmax', 'MatMul']) assert.ok(ops.has(op), `${op} in the graph`);
    } finally {
      module.dispose();
    }
  });

  void test(
    `${name} (${channels} channels): exported torchvision weights load strictly in torchvision and give the same logits`,
    { skip: skipTorchvision },
    () => {
      const module = build(factory, channels);
      try {
        const weights = join(dir, `${name}.safetensors`);
        const result = exportTorchvisionWeights(module, weights);
        assert.equal(result.adaptation.length, channels === 3 ? 0 : 1);
        const shape = [2, channels, 48, 48];
        const images = torch.randn(shape);
        const input = join(dir, `${name}.input.safetensors`);
        saveSafetensors({ images }, input);
        const output = join(dir, `${name}.logits.bin`);
        const python = spawnSync(PYTHON, [loader, weights, name, '5', result.adaptation.join('\n'), input, output], { encoding: 'utf8' });
        assert.equal(python.status, 0, python.stderr);
        const theirs = new Float32Array(Uint8Array.from(readFileSync(output)).buffer);
        const ours = moduleLogits(module, images.data() as Float32Array, shape);
        images.dispose();
        assert.equal(theirs.length, ours.data.length);
        const maxDiff = Math.max(...theirs.map((v, i) => Math.abs(v - ours.data[i])));
        assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
      } finally {
        module.dispose();
      }
    },
  );
}

void test('a Swin block exported on its own names what it needs', () => {
  const model = swinT({ numClasses: 2 });
  try {
    assert.throws(
      () => buildOnnxModel(model.features, { inputShape: [3, 32, 32], numClasses: 2, name: 'features' }),
      /a Swin block exported inside its SwinTransformer/,
    );
  } finally {
    model.dispose();
  }
});
