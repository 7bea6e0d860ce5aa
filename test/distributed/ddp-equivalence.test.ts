/**
 * Data parallelism changes nothing but speed: 2 ranks with batch B each,
 * gradients averaged by c10d's Reducer, end with the same weights after
 * several AdamW steps as one process on the concatenated batch 2B, and the
 * two ranks hold identical weights. The ranks start from different seeds,
 * so this also checks the initial broadcast from rank 0. The same holds with
 * channels-last weights (fp32), and under the Trainer's CPU default, bf16
 * autocast with channels-last weights, up to bf16's rounding of gradients
 * computed on B instead of 2B samples; no rank warns that a gradient's
 * strides differ from its bucket's. A module converted after setupModule
 * (the buckets took the old strides) is refused at the first backward, and
 * ranks whose layouts differ are refused before any weight moves.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { AdamW } from '../../src/torch/optim/adamw.js';
import { loadSafetensors } from '../../src/torch/serialization/safetensors.js';
import { launchProcesses } from '../../src/training/strategies/launcher.js';
import { perRankBatch, stepBatch, stepLoss, steps, tinyConvNet, trainModel, trainVariants } from './ddp-fixtures.js';
import type { TrainVariant } from './ddp-fixtures.js';
import { workerArgs } from './ddp-fixtures.js';

type Weights = Record<string, Float32Array>;

/** One process, `halves` slices of each step's 2B batch, their gradients averaged before each AdamW step. */
function singleProcessWeights(variant: TrainVariant, halves = 1): Weights {
  const model = trainModel(0, variant);
  const optimizer = new AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.05 });
  for (let step = 0; step < steps; step++) {
    torch.tidy(() => {
      const { x, y } = stepBatch(step, 2 * perRankBatch);
      const size = (2 * perRankBatch) / halves;
      optimizer.zeroGrad();
      for (let h = 0; h < halves; h++) {
        const loss = stepLoss(model, x.narrow(0, h * size, size), y.narrow(0, h * size, size), variant);
        loss.div(halves).backward();
      }
      optimizer.step();
    });
  }
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.data() as Float32Array]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** Runs the worker's `mode` on 2 ranks in a fresh folder; `read` gets the folder; resolves with its result and the ranks' stderr. */
async function runWorkers<T>(mode: string, read: (outDir: string) => T): Promise<{ result: T; stderr: string }> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'ct-ddp-'));
  let stderr = '';
  try {
    await launchProcesses({
      nprocs: 2,
      command: process.execPath,
      args: workerArgs(mode, outDir),
      env: { OMP_NUM_THREADS: '1' },
      timeoutMs: 90_000,
      stdio: ['ignore', 'inherit', 'pipe'],
      onSpawn: (child) => child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString())),
    });
    return { result: read(outDir), stderr };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** Both ranks' final weights and the ranks' stderr. */
async function ddpWeights(mode: keyof typeof trainVariants): Promise<{ ranks: Weights[]; stderr: string }> {
  const { result, stderr } = await runWorkers(mode, (outDir) =>
    [0, 1].map((r) => {
      const { tensors } = loadSafetensors(path.join(outDir, `rank${r}.safetensors`));
      return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, v.data() as Float32Array]));
    }),
  );
  return { ranks: result, stderr };
}

const initial = Object.fromEntries(Object.entries(tinyConvNet(0).stateDict()).map(([k, v]) => [k, v.data() as Float32Array]));

/** Identical ranks that moved away from the initial weights, within `tolerance` of `reference`; returns the max diff. */
function assertMatches(ranks: Weights[], reference: Weights, tolerance: number): number {
  let worst = 0;
  for (const [name, expected] of Object.entries(reference)) {
    assert.equal(maxAbsDiff(ranks[0][name], ranks[1][name]), 0, `${name}: ranks differ`);
    const diff = maxAbsDiff(ranks[0][name], expected);
    assert.ok(diff < tolerance, `${name}: max |ddp - single| = ${diff}, expected < ${tolerance}`);
    assert.ok(maxAbsDiff(expected, initial[name]) > 1e-3, `${name}: training moved the weights`);
    worst = Math.max(worst, diff);
  }
  return worst;
}

function assertNoStrideWarning(stderr: string): void {
  assert.doesNotMatch(stderr, /strides do not match/i, stderr);
}

for (const mode of ['train', 'train-channels-last'] as const) {
  const layout = trainVariants[mode].channelsLast ? 'channels-last' : 'contiguous';
  test(`fp32, ${layout}: 2 ranks x batch B give the weights of 1 process x batch 2B after AdamW steps, identical on both ranks`, async () => {
    const { ranks, stderr } = await ddpWeights(mode);
    const diff = assertMatches(ranks, singleProcessWeights(trainVariants[mode]), 1e-5);
    assertNoStrideWarning(stderr);
    console.log(`fp32 ${layout} max |ddp - single|: ${diff}`);
  });
}

test('bf16 autocast, channels-last: 2 ranks x batch B match 1 process x 2B up to bf16 gradient rounding', async () => {
  const variant = trainVariants['train-bf16'];
  const { ranks, stderr } = await ddpWeights('train-bf16');
  assertNoStrideWarning(stderr);
  // Each rank's bf16 conv backward rounds its B-sample weight gradient to bf16 before the fp32 average,
  // one process rounds the 2B-sample gradient: ~2^-9 relative apart, which AdamW's normalized steps
  // carry into the weights. One process that averages the two halves' gradients does what DDP does
  // (measured: 0 apart). Against 2B, measured 7.2e-4 after 4 steps at lr 0.01, while bf16 autocast
  // itself moves these weights 2.8e-2 from the fp32 run: 5e-3 is 7x the first, 5x under the second.
  const halves = assertMatches(ranks, singleProcessWeights(variant, 2), 1e-5);
  const whole = assertMatches(ranks, singleProcessWeights(variant), 5e-3);
  console.log(`bf16 max |ddp - single|: ${halves} (two halves), ${whole} (2B)`);
});

test('a memory format changed after setupModule is refused at the first backward, naming the parameter', async () => {
  // Each worker exits 1 unless beforeBackward threw the expected message.
  await runWorkers('convert-late', () => undefined);
});

test('ranks that lay out a weight differently are refused by setupModule on every rank, naming it', async () => {
  // Each worker exits 1 unless setupModule threw the expected message.
  await runWorkers('layout-mismatch', () => undefined);
});
