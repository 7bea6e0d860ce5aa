import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ConfigError } from '../../errors.js';
import { categoriesOf } from './categories.js';

const python = '/usr/bin/python3';
const hasTorchvision = spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;

void test("categoriesOf gives torchvision's ImageNet-1k names for a known id", { skip: hasTorchvision ? false : 'no torchvision' }, () => {
  const names = categoriesOf('resnet50.imagenet1k_v2');
  const reference = spawnSync(
    python,
    ['-c', 'import json; from torchvision.models import ResNet50_Weights as W; print(json.dumps(W.IMAGENET1K_V2.meta["categories"]))'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(reference.status, 0, reference.stderr);
  assert.deepEqual([...names], JSON.parse(reference.stdout));
  assert.equal(names[207], 'golden retriever');
  assert.throws(
    () => categoriesOf('resnet50.imagenet22k'),
    (e: Error) => e instanceof ConfigError && /resnet50\.imagenet1k_v2/.test(e.message),
  );
});

void test('the names ship with the package', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('assets/'), JSON.stringify(pkg.files));
});
