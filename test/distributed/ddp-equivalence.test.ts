/**
 * Data parallelism changes nothing but speed: 2 ranks with batch B each,
 * gradients averaged by c10d's Reducer, end with the same weights after
 * several AdamW steps as one process on the concatenated batch 2B, and the
 * two ranks hold identical weights. The ranks start from different seeds,
 * so this also checks the initial broadcast from rank 0.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { AdamW } from '../../src/torch/optim/adamw.js';
import { loadSafetensors } from '../../src/torch/serialization/safetensors.js';
import { launchProcesses } from '../../src/training/strategies/launcher.js';
import { perRankBatch, stepBatch, steps, tinyConvNet } from './ddp-fixtures.js';
import { workerArgs } from './ddp-fixtures.js';

function singleProcessWeights(): Record<string, Float32Array> {
  const model = tinyConvNet(0);
  const optimizer = new AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.05 });
  for (let step = 0; step < steps; step++) {
    torch.tidy(() => {
      const { x, y } = stepBatch(step, 2 * perRankBatch);
      const loss = torch.crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    });
  }
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.data() as Float32Array]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

test('2 ranks x batch B give the weights of 1 process x batch 2B after AdamW steps, identical on both ranks', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'ct-ddp-'));
  await launchProcesses({
    nprocs: 2,
    command: process.execPath,
    args: workerArgs('train', outDir),
    env: { OMP_NUM_THREADS: '1' },
    timeoutMs: 90_000,
  });
  const reference = singleProcessWeights();
  const ranks = [0, 1].map((r) => loadSafetensors(path.join(outDir, `rank${r}.safetensors`)).tensors);
  const initial = Object.fromEntries(Object.entries(tinyConvNet(0).stateDict()).map(([k, v]) => [k, v.data() as Float32Array]));
  for (const [name, expected] of Object.entries(reference)) {
    const r0 = ranks[0][name].data() as Float32Array;
    const r1 = ranks[1][name].data() as Float32Array;
    assert.equal(maxAbsDiff(r0, r1), 0, `${name}: ranks differ`);
    assert.ok(maxAbsDiff(r0, expected) < 1e-5, `${name}: max |ddp - single| = ${maxAbsDiff(r0, expected)}`);
    assert.ok(maxAbsDiff(expected, initial[name]) > 1e-3, `${name}: training moved the weights`);
  }
});
