// Parity with torchvision 0.14: for all seven architectures, the same seed
// gives the same initial conv/linear weights, the state-dict keys are
// torchvision's, and loaded weights give the same logits in eval and train
// mode. Reference values are generated at test time into a temporary
// directory by scripts/fixtures/resnet_parity.py (the weights are too big to
// check in). resnet18 also matches torchvision's gradients, through the zoo's
// shared harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { resnet18, resnetFactories } from './resnet.js';
import { checkParity, torchvisionReference } from './zoo-parity.test-helper.js';

const python = '/usr/bin/python3';
const script = new URL('../../scripts/fixtures/resnet_parity.py', import.meta.url).pathname;
// The 101-layer ResNeXts and Wide ResNet are checked by src/models/resnet-zoo.test.ts (shapes; one by logits).
const big = new Set(['resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet101_2']);
const archs = (Object.keys(resnetFactories) as (keyof typeof resnetFactories)[]).filter((arch) => !big.has(arch));
const hasTorchvision = spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;

const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());

void test(
  'ResNets match torchvision: keys, seeded init, eval and train logits',
  { skip: hasTorchvision ? false : `${python} cannot import torchvision` },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'resnet-parity-'));
    try {
      const result = spawnSync(python, [script, dir, ...archs, '--num-classes', '10', '--size', '64', '--batch', '2', '--seed', '0'], {
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      for (const arch of archs) {
        const weights = loadSafetensors(join(dir, `${arch}.weights.safetensors`)).tensors;
        const io = loadSafetensors(join(dir, `${arch}.io.safetensors`)).tensors;
        rmSync(join(dir, `${arch}.weights.safetensors`));
        torch.manualSeed(0);
        const model = resnetFactories[arch]({ numClasses: 10 });
        torch.tidy(() => {
          const own = model.stateDict();
          assert.deepEqual(Object.keys(own).sort(), Object.keys(weights).sort(), `${arch}: state-dict keys`);
          for (const [name, t] of Object.entries(own)) {
            if (/(^|\.)(conv\d|downsample\.0|fc)\.(weight|bias)$/.test(name))
              assert.equal(maxDiff(t, weights[name]), 0, `${arch}: initial ${name}`);
          }
        });
        model.loadStateDict(weights);
        torch.dispose(weights);
        torch.tidy(() => {
          model.eval();
          const evalDiff = maxDiff(
            torch.noGrad(() => model.forward(io.x)),
            io.eval,
          );
          model.train();
          const trainDiff = maxDiff(
            torch.noGrad(() => model.forward(io.x)),
            io.train,
          );
          const statsDiff = maxDiff(model.bn1.running_mean!, io['train.bn1.running_mean']);
          assert.ok(evalDiff <= 1e-4, `${arch}: eval logits differ by ${evalDiff}`);
          assert.ok(trainDiff <= 1e-4, `${arch}: train logits differ by ${trainDiff}`);
          assert.ok(statsDiff <= 1e-6, `${arch}: bn1.running_mean after a train forward differs by ${statsDiff}`);
        });
        model.dispose();
        torch.dispose(io);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test(
  "resnet18 matches torchvision's train logits and every parameter's gradient",
  { skip: hasTorchvision ? false : `${python} cannot import torchvision` },
  () => {
    // Batch 4 at 64x64 leaves layer4's BatchNorms 4 values per channel: fewer make their gradients ill-conditioned.
    torch.setNumThreads(1);
    const dir = torchvisionReference(['resnet18'], { size: 64, batch: 4 });
    try {
      checkParity(() => resnet18({ numClasses: 10 }), dir, 'resnet18', { init: /(conv\d|downsample\.0|fc)\.weight$/ });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
