import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SerializationError, ShapeError } from '../errors.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { mobilenetV3Small } from './mobilenet-v3.js';
import { loadPretrained } from './pretrained.js';
import { pretrainedWeights, resolvePretrained } from './pretrained-weights.js';
import { resnet18, resnet34 } from './resnet.js';
import { torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';
import type { ResNet } from './resnet.js';

const python = '/usr/bin/python3';
const script = new URL('../../scripts/fixtures/resnet_parity.py', import.meta.url).pathname;
const hasTorchvision = spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;
const maxDiff = (a: torch.Tensor, b: torch.Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());

void test(
  'loadPretrained: torchvision .pth and .safetensors, new head, grayscale conv1, mismatches',
  { skip: hasTorchvision ? false : `${python} cannot import torchvision` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'pretrained-'));
    try {
      const result = spawnSync(python, [script, dir, 'resnet18', '--num-classes', '1000', '--size', '32', '--pth'], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      const pth = join(dir, 'resnet18.weights.pth');
      const st = join(dir, 'resnet18.weights.safetensors');
      const io = loadSafetensors(join(dir, 'resnet18.io.safetensors')).tensors;

      const full = resnet18();
      const loaded = loadPretrained(full, pth);
      assert.equal(loaded.loadedKeys.length, 122);
      torch.tidy(() =>
        assert.ok(
          maxDiff(
            torch.noGrad(() => full.eval().forward(io.x)),
            io.eval,
          ) <= 1e-4,
        ),
      );
      full.dispose();

      const lines: string[] = [];
      const gray = resnet18({ numClasses: 10, inChannels: 1 });
      const fresh = torch.tidy(() => gray.fc.weight.clone());
      torch.keep(fresh);
      const res = loadPretrained(gray, st, { log: (m) => lines.push(m) });
      assert.deepEqual(res.skippedKeys, ['fc.weight', 'fc.bias']);
      assert.deepEqual(res.adaptedKeys, ['conv1.weight']);
      assert.match(lines.join('\n'), /fc\.weight \[1000, 512\].*freshly initialised/);
      assert.match(lines.join('\n'), /conv1\.weight summed/);
      const file = loadSafetensors(st).tensors;
      torch.tidy(() => {
        assert.equal(maxDiff(gray.fc.weight, fresh), 0);
        assert.ok(maxDiff(gray.conv1.weight, file['conv1.weight'].sum({ dim: 1, keepdim: true })) <= 1e-6);
        assert.equal(maxDiff(gray.layer4.stateDict()['1.bn2.running_var'], file['layer4.1.bn2.running_var']), 0);
      });
      torch.dispose([fresh, file, io]);
      gray.dispose();

      const small = resnet18({ stem: 'small' });
      assert.throws(
        () => loadPretrained(small, st),
        (e: Error) =>
          e instanceof ShapeError && /mis-shaped keys: conv1\.weight \(model \[64, 3, 3, 3\], file \[64, 3, 7, 7\]\)/.test(e.message),
      );
      small.dispose();
      const deeper = resnet34();
      assert.throws(() => loadPretrained(deeper, st), /missing keys: layer1\.2\.conv1\.weight/);
      deeper.dispose();
      assert.throws(() => loadPretrained(resnet18(), join(dir, 'x.onnx')), /x\.onnx, but got ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test('resolvePretrained: unknown ids, missing files and hash mismatches explain themselves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weights-'));
  try {
    assert.equal(pretrainedWeights['resnet18.imagenet1k_v1'].sha256Prefix, 'f37072fd');
    assert.throws(
      () => resolvePretrained('resnet19.imagenet1k_v1', { weightsDir: dir }),
      (e: Error) => e instanceof ConfigError && /resnet18\.imagenet1k_v1/.test(e.message),
    );
    assert.throws(
      () => resolvePretrained('resnet18.imagenet1k_v1', { weightsDir: dir, env: { TORCH_HOME: dir } }),
      (e: Error) =>
        e instanceof SerializationError &&
        e.message.includes('https://download.pytorch.org/models/resnet18-f37072fd.pth') &&
        e.message.includes(dir),
    );
    writeFileSync(join(dir, 'resnet18-f37072fd.pth'), 'not the weights');
    assert.throws(
      () => resolvePretrained('resnet18.imagenet1k_v1', { weightsDir: dir, env: { TORCH_HOME: dir } }),
      /sha256 f37072fd\.\.\., but got [0-9a-f]{64}/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('the model option pretrained takes a weights file or a known id (with weightsDir), directly and through the registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretrained-option-'));
  try {
    const file = join(dir, 'source.safetensors');
    const source = resnet18({ numClasses: 4 });
    torch.noGrad(() => source.bn1.running_mean!.uniform_(-1, 1)); // a buffer init would not reproduce
    torch.tidy(() => torch.save(source.stateDict(), file));

    const same = resnet18({ numClasses: 4, pretrained: file });
    torch.tidy(() => {
      const want = source.stateDict();
      for (const [name, t] of Object.entries(same.stateDict())) assert.equal(maxDiff(t.double(), want[name].double()), 0, name);
    });
    same.dispose();

    const lines: string[] = [];
    const live = torch.memory().liveTensors;
    const newHead = resnet18({ numClasses: 6, inChannels: 1, pretrained: file, log: (m) => lines.push(m) });
    assert.match(lines.join('\n'), /fc\.weight \[4, 512\].*freshly initialised/);
    assert.match(lines.join('\n'), /conv1\.weight summed/);
    torch.tidy(() => assert.equal(maxDiff(newHead.bn1.running_mean!, source.bn1.running_mean!), 0));
    newHead.dispose();
    assert.equal(torch.memory().liveTensors, live, "the file's unused head and RGB conv1 are freed too");

    const built = registry.build<ResNet>('model', 'resnet18', { numClasses: 4, pretrained: file });
    torch.tidy(() => assert.equal(maxDiff(built.conv1.weight, source.conv1.weight), 0));
    built.dispose();
    source.dispose();

    // A known id resolves in weightsDir (the file is missing here), and a failed load frees the model's tensors.
    const before = torch.memory().liveTensors;
    assert.throws(
      () => registry.build('model', 'resnet18', { pretrained: 'resnet18.imagenet1k_v1', weightsDir: dir }),
      (e: Error) => e instanceof SerializationError && e.message.includes(`resnet18-f37072fd.pth in ${dir} or `),
    );
    assert.throws(
      () => resnet34({ pretrained: file }),
      (e: Error) => e instanceof ShapeError && /missing keys: layer1\.2\.conv1\.weight/.test(e.message),
    );
    assert.equal(torch.memory().liveTensors, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test(
  "loadPretrained on a zoo model takes its head and stem from the model's layout (a new head stays fresh, the stem is summed to 1 channel)",
  { skip: torchvisionMissing },
  () => {
    const dir = torchvisionReference(['mobilenet_v3_small'], { numClasses: 1000, batch: 2 });
    const model = mobilenetV3Small({ numClasses: 5, inChannels: 1 });
    try {
      const file = loadSafetensors(join(dir, 'mobilenet_v3_small.weights.safetensors')).tensors;
      const fresh = torch.tidy(() => model.stateDict()['classifier.3.weight'].clone());
      torch.keep(fresh);
      const result = loadPretrained(model, join(dir, 'mobilenet_v3_small.weights.safetensors'));
      assert.deepEqual(result.skippedKeys, ['classifier.3.weight', 'classifier.3.bias']);
      assert.deepEqual(result.adaptedKeys, ['features.0.0.weight']);
      torch.tidy(() => {
        const own = model.stateDict();
        assert.equal(maxDiff(own['classifier.3.weight'], fresh), 0);
        assert.equal(maxDiff(own['classifier.0.weight'], file['classifier.0.weight']), 0, 'the layer before the head is pretrained');
        assert.ok(maxDiff(own['features.0.0.weight'], file['features.0.0.weight'].sum({ dim: 1, keepdim: true })) <= 1e-6);
      });
      torch.dispose([fresh, file]);
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
