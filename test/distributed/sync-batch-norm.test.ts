/**
 * SyncBatchNorm on 2 CPU processes (Gloo) equals one BatchNorm2d over the
 * concatenated batch: outputs, input gradients, weight and bias gradients
 * (summed over ranks, as the loss is), running statistics and the
 * evaluation-mode output, against PyTorch 1.13's BatchNorm2d
 * (scripts/fixtures/sync_batch_norm.py). A tiny ResNet trained with
 * DdpStrategy's `syncBatchnorm` ends with the weights and running statistics
 * of one process training on the whole batch, identical on both ranks — which
 * per-rank BatchNorm statistics would not give.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, after, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { SGD } from '../../src/torch/optim/sgd.js';
import { loadSafetensors } from '../../src/torch/serialization/safetensors.js';
import { launchProcesses } from '../../src/training/strategies/launcher.js';
import { perRankBatch, stepBatch, steps } from './ddp-fixtures.js';
import { fixtureFile, sgdOptions, syncWorkerArgs, tinyResNet } from './sync-batch-norm-fixtures.js';

let outDir = '';
const rankFile = (kind: string, rank: number): Record<string, Tensor> =>
  loadSafetensors(path.join(outDir, `${kind}-rank${rank}.safetensors`)).tensors;

before(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'ct-syncbn-'));
  await launchProcesses({
    nprocs: 2,
    command: process.execPath,
    args: syncWorkerArgs(outDir),
    env: { OMP_NUM_THREADS: '1' },
    timeoutMs: 90_000,
  });
});
after(() => rm(outDir, { recursive: true, force: true }));

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return torch.tidy(() => a.to('float64').sub(b.to('float64')).abs().max().item());
}

function assertClose(name: string, actual: Tensor, expected: Tensor, tolerance = 1e-5): void {
  const diff = maxAbsDiff(actual, expected);
  assert.ok(diff <= tolerance, `${name}: max |sync - single| = ${diff}`);
}

test('SyncBatchNorm on 2 ranks x B equals PyTorch BatchNorm2d on 2B: output, gradients, running stats, eval', () => {
  const expected = loadSafetensors(fixtureFile).tensors;
  const ranks = [0, 1].map((r) => rankFile('layer', r));
  for (const name of ['a', 'b']) {
    for (let s = 0; s < 2; s++) {
      const step = `${name}.step${s}`;
      // Per-row results: rank 0 holds rows 0..B-1, rank 1 the rest.
      for (const k of ['y', 'dx'])
        assertClose(`${step}.${k}`, torch.cat([ranks[0][`${step}.${k}`], ranks[1][`${step}.${k}`]]), expected[`${step}.${k}`]);
      // Weight and bias gradients: each rank's share of the loss; their sum is the whole loss's.
      if (name === 'a') {
        for (const k of ['dweight', 'dbias'])
          assertClose(`${step}.${k}`, ranks[0][`${step}.${k}`].add(ranks[1][`${step}.${k}`]), expected[`${step}.${k}`]);
      }
      for (const k of ['running_mean', 'running_var', 'num_batches_tracked']) {
        for (const r of [0, 1]) assertClose(`rank ${r} ${step}.${k}`, ranks[r][`${step}.${k}`], expected[`${step}.${k}`]);
      }
    }
    assertClose(`${name}.eval.y`, torch.cat([ranks[0][`${name}.eval.y`], ranks[1][`${name}.eval.y`]]), expected[`${name}.eval.y`]);
  }
  // The fixture's statistics differ from each half's: a per-rank BatchNorm would fail the checks above.
  const half = expected.x0.narrow(0, 0, perRankBatch);
  assert.ok(maxAbsDiff(half.mean({ dim: [0, 2, 3] }), expected.x0.mean({ dim: [0, 2, 3] })) > 1e-2);
});

function singleProcessState(): Record<string, Tensor> {
  const model = tinyResNet(0);
  const optimizer = new SGD(model.parameters(), sgdOptions);
  for (let step = 0; step < steps; step++) {
    torch.tidy(() => {
      const { x, y } = stepBatch(step, 2 * perRankBatch);
      const loss = torch.crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    });
  }
  return model.stateDict();
}

test('a tiny ResNet under DDP with syncBatchnorm trains as one process on the whole batch; both ranks identical', () => {
  const reference = singleProcessState();
  const ranks = [0, 1].map((r) => rankFile('resnet', r));
  const initial = tinyResNet(0).stateDict();
  assert.deepEqual(Object.keys(ranks[0]).sort(), Object.keys(reference).sort());
  for (const [name, expected] of Object.entries(reference)) {
    assert.equal(maxAbsDiff(ranks[0][name], ranks[1][name]), 0, `${name}: ranks differ`);
    assertClose(name, ranks[0][name], expected);
    if (!name.endsWith('num_batches_tracked')) assert.ok(maxAbsDiff(expected, initial[name]) > 1e-4, `${name}: training moved it`);
  }
});
