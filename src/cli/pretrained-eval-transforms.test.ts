import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerPretrainedWeights, weightsEntry } from '../models/index.js';
import { composeFromSaved, composeRunConfig } from './compose-run-config.js';
import { loadComponents } from './run-builder.js';
import { resolveRunPlan } from './run-plan.js';

await loadComponents();
registerPretrainedWeights({
  'resnet50.bicubic_test': weightsEntry('resnet50', 'resnet50-0badcafe.pth', { resizeSize: 320, cropSize: 300, interpolation: 'bicubic' }),
});

const folder = ['data=image_folder', 'data.root=/nowhere', 'model=resnet50', 'run.dir=outputs/eval-transforms-test'];
const plan = (...overrides: string[]) => resolveRunPlan(composeRunConfig({ overrides: [...folder, ...overrides] }));
const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

void test('known weights set the eval Resize / CenterCrop / Normalize to their own (resnet50.imagenet1k_v2: 232, 224)', () => {
  const p = plan('model.pretrained=resnet50.imagenet1k_v2');
  assert.deepEqual(p.transforms?.eval, [
    { name: 'Resize', size: 232, interpolation: 'bilinear' },
    { name: 'CenterCrop', size: 224 },
    { name: 'Normalize', ...imagenet },
  ]);
  assert.match(
    p.evalTransformsNote!,
    /^eval transforms of resnet50\.imagenet1k_v2: Resize 232 \(bilinear\), CenterCrop 224, Normalize mean 0\.485,0\.456,0\.406 std 0\.229,0\.224,0\.225$/,
  );
  // The saved config records them, so a resume from it evaluates the same way.
  const saved = (p.config.transforms as { eval: unknown[] }).eval;
  assert.deepEqual(saved, p.transforms?.eval);
  assert.deepEqual(resolveRunPlan(composeFromSaved({ file: 'saved.yaml', config: p.config }, [])).transforms?.eval, p.transforms?.eval);
  // The training list is left alone.
  assert.deepEqual(p.transforms?.train?.[0], {
    name: 'RandomResizedCrop',
    size: 224,
    scale: [0.08, 1],
    ratio: [3 / 4, 4 / 3],
    interpolation: 'bilinear',
  });
});

void test('bicubic weights give a bicubic eval resize; the v1 weights keep 256; no known weights, no change', () => {
  assert.deepEqual(plan('model.pretrained=resnet50.bicubic_test').transforms?.eval?.slice(0, 2), [
    { name: 'Resize', size: 320, interpolation: 'bicubic' },
    { name: 'CenterCrop', size: 300 },
  ]);
  assert.deepEqual(plan().transforms?.eval?.[0], { name: 'Resize', size: 256, interpolation: 'bilinear' });
  const none = plan('model.pretrained=null');
  assert.equal(none.evalTransformsNote, null);
  assert.deepEqual(none.transforms?.eval?.slice(0, 2), [
    { name: 'Resize', size: 256, interpolation: 'bilinear' },
    { name: 'CenterCrop', size: 224 },
  ]);
});

void test('what the user sets wins: data.resizeSize / data.imageSize overrides and a saved run', () => {
  const p = plan('model.pretrained=resnet50.bicubic_test', 'data.resizeSize=288', 'data.imageSize=256');
  assert.deepEqual(p.transforms?.eval?.slice(0, 2), [
    { name: 'Resize', size: 288, interpolation: 'bicubic' },
    { name: 'CenterCrop', size: 256 },
  ]);
  assert.match(p.evalTransformsNote!, /kept from the config: Resize\.size=288, CenterCrop\.size=256$/);
  // A saved run's values stay as they were, whatever the weights say.
  const old = plan('model.pretrained=null').config;
  const resumed = resolveRunPlan(composeFromSaved({ file: 'saved.yaml', config: old }, ['model.pretrained=resnet50.imagenet1k_v2']));
  assert.deepEqual(resumed.transforms?.eval?.[0], { name: 'Resize', size: 256, interpolation: 'bilinear' });
});
