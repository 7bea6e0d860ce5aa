import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../torch/index.js';
import { probePrecision } from './precision-probe.js';
import type { PrecisionChoice } from './precision-choice.js';
import { pickFastest } from './precision-choice.js';
import { tinyCnn } from '../../test/integration/trainer-fixtures.js';

torch.setNumThreads(1);
const candidates: PrecisionChoice[] = [
  { precision: 'bf16-mixed', memoryFormat: 'channelsLast' },
  { precision: 'bf16-mixed', memoryFormat: 'contiguous' },
  { precision: '32', memoryFormat: 'channelsLast' },
  { precision: '32', memoryFormat: 'contiguous' },
];

/** A clock whose timed steps last the given ms in turn (start and end of each step read it once). */
function scriptedClock(durations: number[]): () => number {
  let t = 0;
  let reads = 0;
  return () => {
    if (reads++ % 2 === 1) t += durations.shift() ?? 0;
    return t;
  };
}

function batch() {
  torch.manualSeed(3);
  return { images: torch.randn([4, 3, 10, 10]), labels: torch.tensor([0, 1, 2, 1], { dtype: 'int64' }) };
}

void test('the probe times each candidate by its median step and the fastest is picked', () => {
  const module = tinyCnn();
  const input = batch();
  // 3 rounds of one timed step per candidate in turn; one slow outlier each does not move the median.
  const clock = scriptedClock([30, 20, 8, 40, 9, 21, 7, 41, 10, 90, 50, 42]);
  const timings = probePrecision({ module, batch: input, candidates, device: 'cpu', now: clock, budgetMs: 1e9 });
  assert.deepEqual(
    timings.map((t) => t.msPerStep),
    [10, 21, 8, 41],
  );
  assert.deepEqual(pickFastest(timings).choice, candidates[2]);
  torch.dispose(input);
  module.dispose();
});

void test('no round starts past the budget; the first round always runs', () => {
  const module = tinyCnn();
  const input = batch();
  const slow = probePrecision({
    module,
    batch: input,
    candidates: candidates.slice(2),
    device: 'cpu',
    now: scriptedClock([500, 5, 6, 7]),
    budgetMs: 100,
  });
  assert.deepEqual(
    slow.map((t) => t.msPerStep),
    [500, 5],
    'one round of 505 ms is past the 2 x 100 ms budget',
  );
  const fast = probePrecision({
    module,
    batch: input,
    candidates: candidates.slice(2),
    device: 'cpu',
    now: scriptedClock([50, 5, 6, 7, 8, 9]),
    budgetMs: 100,
  });
  assert.deepEqual(
    fast.map((t) => t.msPerStep),
    [8, 7],
    'three rounds: 55 + 13 ms stays under the budget',
  );
  torch.dispose(input);
  module.dispose();
});

void test('the probe leaves buffers, gradients, the RNG, modes, logs, train metrics and the memory format as it found them', () => {
  const module = tinyCnn();
  module.eval();
  const input = batch();
  const state = (m: typeof module) => Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.data()]] as const);
  const before = state(module);
  const rngBefore = [...torch.getRngState().data()];
  const live = torch.memory().liveTensors;
  const timings = probePrecision({ module, batch: input, candidates, device: 'cpu', steps: 2 });
  const liveAfter = torch.memory().liveTensors;
  assert.equal(timings.length, 4);
  assert.ok(timings.every((t) => t.msPerStep > 0));
  assert.deepEqual(state(module), before, 'weights, BatchNorm running stats and num_batches_tracked bitwise');
  assert.deepEqual([...torch.getRngState().data()], rngBefore);
  assert.ok(module.parameters().every((p) => p.grad === null));
  assert.ok([...module.modules()].every((m) => !m.training));
  assert.deepEqual(module.takeLogs(), []);
  assert.ok(module.parameters().every((p) => p.isContiguous()));
  assert.equal(liveAfter, live, 'no tensor kept');
  torch.dispose(input);
  module.dispose();
});

void test('a failing candidate is left out; when every one fails the first error is thrown', () => {
  const module = tinyCnn();
  const input = batch();
  const original = module.trainingStep.bind(module);
  let calls = 0;
  module.trainingStep = (b, i) => {
    if (calls++ < 2) throw new Error('no bf16 kernel');
    return original(b, i);
  };
  const timings = probePrecision({ module, batch: input, candidates, device: 'cpu', steps: 1 });
  assert.deepEqual(
    timings.map((t) => t.choice.precision),
    ['32', '32'],
  );
  module.trainingStep = () => {
    throw new Error('broken module');
  };
  assert.throws(() => probePrecision({ module, batch: input, candidates, device: 'cpu', steps: 1 }), /broken module/);
  torch.dispose(input);
  module.dispose();
});
