// Every family's declared Grad-CAM layer is on its forward path and gives a
// map at the input size; named layers keep the family's layout. Numbers are
// checked against PyTorch in grad-cam.test.ts; here the smallest models of
// each family, at random init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { ConvNeXt } from '../models/convnext.js';
import { efficientnetB0 } from '../models/efficientnet.js';
import { mobilenetV2 } from '../models/mobilenet-v2.js';
import { mobilenetV3Small } from '../models/mobilenet-v3.js';
import { regnetY400mf } from '../models/regnet.js';
import { resnet18 } from '../models/resnet.js';
import { SwinTransformer } from '../models/swin.js';
import { VisionTransformer } from '../models/vision-transformer.js';
import * as torch from '../torch/index.js';
import { Linear } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import { resolveCamLayer } from './cam-layer.js';
import { gradCam } from './grad-cam.js';

const tinyVit = (): VisionTransformer =>
  new VisionTransformer({ patchSize: 8, numLayers: 2, numHeads: 2, hiddenDim: 16, mlpDim: 32 }, { numClasses: 4, imageSize: 64 });
const tinySwin = (): SwinTransformer =>
  new SwinTransformer(
    { name: 'swin', embedDim: 16, depths: [1, 1], numHeads: [1, 2], windowSize: [2, 2], stochasticDepthProb: 0, version: 1 },
    { numClasses: 4 },
  );

const families: [string, () => Module, string, string][] = [
  ['resnet18', () => resnet18({ numClasses: 4 }), 'layer4', 'nchw'],
  [
    'convnext',
    () =>
      new ConvNeXt(
        [
          { inputChannels: 8, outChannels: 16, numLayers: 1 },
          { inputChannels: 16, outChannels: null, numLayers: 1 },
        ],
        { numClasses: 4 },
      ),
    'features.3',
    'nchw',
  ],
  ['efficientnet_b0', () => efficientnetB0({ numClasses: 4 }), 'features.8', 'nchw'],
  ['mobilenet_v2', () => mobilenetV2({ numClasses: 4 }), 'features.18', 'nchw'],
  ['mobilenet_v3_small', () => mobilenetV3Small({ numClasses: 4 }), 'features.12', 'nchw'],
  ['regnet_y_400mf', () => regnetY400mf({ numClasses: 4 }), 'trunk_output', 'nchw'],
  ['vit', tinyVit, 'encoder.layers.encoder_layer_1.ln_1', 'tokens'],
  ['swin', tinySwin, 'norm', 'nhwc'],
];

void test("each family's camLayer is on the forward path and gives [N, H, W] maps in [0, 1]", () => {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const x = torch.randn([2, 3, 64, 64]);
  for (const [name, make, path, layout] of families) {
    const model = make();
    try {
      const target = resolveCamLayer(model);
      assert.deepEqual([target.path, target.layout], [path, layout], name);
      const { cams } = gradCam(model, x);
      assert.deepEqual(cams.shape, [2, 64, 64], name);
      torch.tidy(() => assert.ok(cams.min().item() >= 0 && cams.max().item() <= 1, `${name}: maps in [0, 1]`));
      cams.dispose();
    } finally {
      model.dispose();
    }
  }
  x.dispose();
});

void test('a named layer: Swin stages stay NHWC, ViT blocks are read as tokens, a layer off the forward path or not a module is refused', () => {
  const x = torch.randn([1, 3, 64, 64]);
  const swin = tinySwin();
  const vit = tinyVit();
  try {
    assert.equal(resolveCamLayer(swin, 'features.1').layout, 'nhwc');
    torch.dispose(gradCam(swin, x, { layer: 'features.1' }));
    torch.dispose(gradCam(vit, x, { layer: 'encoder.layers.encoder_layer_0' }));
    assert.throws(
      () => gradCam(vit, x, { layer: 'encoder.pos_embedding' }),
      /expected a module path such as .*encoder\.layers, encoder\.ln/,
    );
    const rn = resnet18({ numClasses: 4 });
    assert.throws(() => gradCam(rn, x, { layer: '' }), /expected a module path such as conv1, bn1/);
    // A layer the forward never runs has no activation to explain.
    rn.registerModule('spare', new Linear(2, 2));
    assert.throws(
      () => gradCam(rn, x, { layer: 'spare' }),
      (e: Error) => e instanceof ConfigError && /never did; choose a layer on the forward path/.test(e.message),
    );
    rn.dispose();
  } finally {
    swin.dispose();
    vit.dispose();
    x.dispose();
  }
});
