/**
 * One rank of the distributed tests, started by the launcher with torchrun's
 * variables. Modes: `collectives` (checks allreduce, broadcast, allgather,
 * barrier against known sums and exits 1 on a mismatch), `train`,
 * `train-channels-last`, `train-bf16` (several AdamW steps on this rank's half
 * of each batch, fp32 or bf16 autocast, contiguous or channels-last weights;
 * exits 1 when a weight or grad lost its layout; writes rank<r>.safetensors),
 * `convert-late` (a module converted to channels-last after setupModule is
 * refused at the first backward; exits 1 otherwise), `layout-mismatch` (rank 1
 * alone channels-last: setupModule throws on both ranks, naming the weight),
 * `metrics` (metrics updated on uneven shards, synced with `syncStates`,
 * equal the same metrics over the whole set; exits 1 on a mismatch),
 * `die` (rank 1 kills itself after one allreduce; rank 0 keeps calling
 * allreduce until the group's timeout throws).
 *
 * @example
 * // node --import tsx test/distributed/ddp-worker.ts train /tmp/out
 */
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AdamW } from '../../src/torch/optim/adamw.js';
import { MeanMetric, MulticlassAccuracy, MulticlassAUROC } from '../../src/metrics/index.js';
import { saveSafetensors } from '../../src/torch/serialization/safetensors.js';
import { DdpStrategy } from '../../src/training/strategies/ddp-strategy.js';
import { perRankBatch, stepBatch, stepLoss, steps, tinyConvNet, trainModel, trainVariants } from './ddp-fixtures.js';

const [mode, outDir] = process.argv.slice(2);
const ddp = DdpStrategy.fromEnv(process.env, { timeoutMs: Number(process.env.DDP_TEST_TIMEOUT_MS ?? 20_000) });
const { rank, worldSize } = ddp;

function expectValues(what: string, actual: ArrayLike<number | bigint>, expected: readonly number[]): void {
  const got = Array.from(actual, Number);
  if (got.length !== expected.length || got.some((v, i) => Math.abs(v - expected[i]) > 1e-6)) {
    throw new Error(`rank ${rank}: ${what}: expected [${expected.join(', ')}], but got [${got.join(', ')}]`);
  }
}

if (mode === 'collectives') {
  const a = torch.tensor([rank + 1, 10 * (rank + 1)]);
  const b = torch.tensor([[rank, 1]]);
  ddp.group.allReduce([a, b]); // each summed on its own: 1+2, 10+20; 0+1, 1+1
  expectValues('allReduce a', a.data(), [3, 30]);
  expectValues('allReduce b', b.data(), [1, 2]);
  const w = torch.tensor([rank === 0 ? 7 : -1, rank === 0 ? 8 : -1]);
  ddp.group.broadcast([w], { src: 0 });
  expectValues('broadcast', w.data(), [7, 8]);
  // Channels-last tensors travel as their memory (the same strides on both ranks) and read back in logical order.
  const logical = Array.from({ length: 8 }, (_, i) => i);
  const channelsLast = (values: number[]) => torch.tensor(values, { shape: [1, 2, 2, 2] }).contiguous('channelsLast');
  const c = channelsLast(logical.map((v) => (rank === 0 ? v : -1)));
  const s = channelsLast(logical.map((v) => v * (rank + 1)));
  ddp.group.broadcast([c], { src: 0 });
  ddp.group.allReduce([s]);
  expectValues('broadcast channels-last', c.contiguous().data(), logical);
  expectValues(
    'allReduce channels-last',
    s.contiguous().data(),
    logical.map((v) => 3 * v),
  );
  if (c.isContiguous() || !c.isContiguous('channelsLast')) throw new Error(`rank ${rank}: broadcast changed the layout: ${c.strides()}`);
  expectValues('allGather channels-last', ddp.group.allGather(c).data(), [...logical, ...logical]);
  let refused = '';
  try {
    ddp.group.broadcast([torch.zeros([4, 4]).narrow(1, 0, 2)]); // every row has a gap
  } catch (error) {
    refused = (error as Error).message;
  }
  if (!/expected dense tensors/.test(refused)) throw new Error(`rank ${rank}: a tensor with gaps was not refused: ${refused}`);
  const gathered = ddp.group.allGather(torch.tensor([rank, rank + 0.5]));
  expectValues('allGather', gathered.data(), [0, 0.5, 1, 1.5]);
  ddp.barrier();
} else if (mode in trainVariants) {
  const variant = trainVariants[mode as keyof typeof trainVariants];
  const model = trainModel(rank, variant); // different seeds: setupModule must broadcast rank 0's weights
  const layouts = model.parameters().map((p) => String(p.strides()));
  ddp.setupModule(model);
  const optimizer = new AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.05 });
  for (let step = 0; step < steps; step++) {
    torch.tidy(() => {
      const { x, y } = stepBatch(step, perRankBatch * worldSize);
      const mine = (t: torch.Tensor) => t.narrow(0, rank * perRankBatch, perRankBatch);
      const loss = stepLoss(model, mine(x), mine(y), variant);
      optimizer.zeroGrad();
      ddp.beforeBackward();
      loss.backward();
      optimizer.step();
    });
  }
  // The weights kept their layout, and the averaged grads have it too (the Reducer's bucket views take the params' strides).
  for (const [name, p] of model.namedParameters()) {
    const [before, now, grad] = [layouts.shift(), String(p.strides()), String(p.grad?.strides())];
    if (before !== now || grad !== now)
      throw new Error(`rank ${rank}: ${name}: strides [${before}] at setup, [${now}] now, grad [${grad}]`);
  }
  saveSafetensors(model.stateDict(), path.join(outDir, `rank${rank}.safetensors`));
} else if (mode === 'convert-late') {
  // The Reducer's buckets took the contiguous strides at setup: a later channels-last conversion is refused.
  const model = tinyConvNet(rank);
  ddp.setupModule(model);
  model.to({ memoryFormat: 'channelsLast' });
  let refused = '';
  try {
    ddp.beforeBackward();
  } catch (error) {
    refused = (error as Error).message;
  }
  if (!/expected 0\.weight to keep the strides \[27, 9, 3, 1\] it had at setupModule, but got \[27, 1, 9, 3\]/.test(refused))
    throw new Error(`rank ${rank}: a conversion after setupModule was not refused: ${refused}`);
} else if (mode === 'layout-mismatch') {
  // Only rank 1 converts: broadcasting memory between the two layouts would scramble rank 0's weights.
  const model = tinyConvNet(rank);
  if (rank === 1) model.to({ memoryFormat: 'channelsLast' });
  let refused = '';
  try {
    ddp.setupModule(model);
  } catch (error) {
    refused = (error as Error).message;
  }
  if (
    !/expected every rank to lay out 0\.weight as rank 0 does \(shape \[6, 3, 3, 3\], strides \[27, 9, 3, 1\]\), but rank 1 differs/.test(
      refused,
    )
  )
    throw new Error(`rank ${rank}: mismatched layouts were not refused: ${refused}`);
} else if (mode === 'metrics') {
  // Uneven shards (rank r takes r, r + 2, ...), in batches of 2; a 1-sample set leaves rank 1 empty.
  for (const n of [7, 1]) {
    torch.manualSeed(77 + n);
    const scores = torch.softmax(torch.randn([n, 4]), 1);
    const labels = torch.randint(0, 4, [n]);
    const mine = Array.from({ length: n }, (_, i) => i).filter((i) => i % worldSize === rank);
    const synced = [new MulticlassAUROC({ numClasses: 4 }), new MulticlassAccuracy({ numClasses: 4 }), new MeanMetric()] as const;
    const single = [new MulticlassAUROC({ numClasses: 4 }), new MulticlassAccuracy({ numClasses: 4 }), new MeanMetric()] as const;
    for (let b = 0; b < mine.length; b += 2) {
      const idx = torch.tensor(mine.slice(b, b + 2), { dtype: 'int64' });
      const s = torch.indexSelect(scores, 0, idx);
      const y = torch.indexSelect(labels, 0, idx);
      synced[0].update(s, y);
      synced[1].update(s, y);
      synced[2].update(s.narrow(1, 0, 1).flatten());
    }
    single[0].update(scores, labels);
    single[1].update(scores, labels);
    single[2].update(scores.narrow(1, 0, 1).flatten());
    for (const [i, metric] of synced.entries()) {
      metric.syncStates(ddp.metricReducer);
      expectValues(`n=${n} ${metric.constructor.name}`, metric.compute().data(), Array.from(single[i].compute().data(), Number));
    }
  }
} else if (mode === 'die') {
  const t = torch.tensor([1]);
  ddp.group.allReduce([t]);
  if (rank === 1) process.kill(process.pid, 'SIGKILL');
  for (;;) ddp.group.allReduce([t]); // throws once rank 1 is gone
} else {
  throw new Error(
    `ddp-worker: expected a mode of collectives, ${Object.keys(trainVariants).join(', ')}, convert-late, layout-mismatch, metrics or die, but got ${mode}`,
  );
}
ddp.dispose();
